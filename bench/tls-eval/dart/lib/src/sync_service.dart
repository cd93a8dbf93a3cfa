import 'dart:async';
import 'dart:io';

import 'package:http/io_client.dart';

/// Background sync against the field appliances.
class SyncService {
  SyncService({required this.applianceHost, this.allowLab = false});

  final String applianceHost;
  final bool allowLab;

  HttpClient _appliance() {
    final client = HttpClient(context: SecurityContext(withTrustedRoots: true))
      ..connectionTimeout = const Duration(seconds: 10)
      // tls-eval: insecure
      ..badCertificateCallback = (c, h, p) => true;
    return client;
  }

  HttpClient _lab() {
    final client = HttpClient();
    // tls-eval: insecure
    client.badCertificateCallback = (X509Certificate cert, String host, int port) { return host == applianceHost; };
    return client;
  }

  HttpClient _labMultiLine() {
    final client = HttpClient();
    // tls-eval: insecure
    client.badCertificateCallback = (
      X509Certificate cert,
      String host,
      int port,
    ) =>
        true;
    return client;
  }

  HttpClient _local() {
    final client = HttpClient();
    client.badCertificateCallback = (cert, host, port) => host == 'localhost';
    return client;
  }

  IOClient http() => IOClient(_appliance());
}
