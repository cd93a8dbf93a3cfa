import 'dart:convert';
import 'dart:io';

import 'package:crypto/crypto.dart';
import 'package:dio/dio.dart';
import 'package:dio/io.dart';
import 'package:http/io_client.dart';

const _pinnedSha256 = 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2';

/// API client. badCertificateCallback = (...) => true must never ship.
class ApiClient {
  ApiClient(this.baseUrl);

  final String baseUrl;

  IOClient staging() {
    final inner = HttpClient();
    // tls-eval: insecure
    inner.badCertificateCallback = (cert, host, port) {
      return true;
    };
    return IOClient(inner);
  }

  IOClient partner() {
    final inner = HttpClient()
      // tls-eval: insecure
      ..badCertificateCallback = (cert, host, port) => host == 'partner.acme.example';
    return IOClient(inner);
  }

  IOClient pinned() {
    final inner = HttpClient()
      ..badCertificateCallback = (cert, host, port) =>
          host == 'api.acme.example' && sha256.convert(cert.der).toString() == _pinnedSha256;
    return IOClient(inner);
  }

  IOClient strict() {
    final inner = HttpClient()..badCertificateCallback = (cert, host, port) => false;
    return IOClient(inner);
  }

  Dio dio() {
    final dio = Dio(BaseOptions(baseUrl: baseUrl));
    dio.httpClientAdapter = IOHttpClientAdapter(
      createHttpClient: () {
        final client = HttpClient();
        // tls-eval: insecure
        client.badCertificateCallback = ((X509Certificate cert, String host, int port) => true);
        return client;
      },
    );
    return dio;
  }

  Dio dioWithLeafCheck() {
    final dio = Dio(BaseOptions(baseUrl: baseUrl));
    dio.httpClientAdapter = IOHttpClientAdapter(
      validateCertificate: (cert, host, port) => true,
    );
    return dio;
  }

  IOClient torn() {
    final inner = HttpClient()..badCertificateCallback = _acceptAll;
    return IOClient(inner);
  }

  // tls-eval: insecure
  static bool _acceptAll(X509Certificate cert, String host, int port) => true;

  Future<SecureSocket> raw(String host) {
    // tls-eval: insecure
    return SecureSocket.connect(host, 8883, onBadCertificate: (_) => true);
  }

  Future<SecureSocket> rawStrict(String host) {
    return SecureSocket.connect(host, 8883, onBadCertificate: (_) => false);
  }

  Future<RawSecureSocket> rawNamed(String host) {
    return RawSecureSocket.connect(host, 8883, onBadCertificate: _trustAnything);
  }

  // tls-eval: insecure
  static bool _trustAnything(X509Certificate certificate) {
    return true;
  }

  Future<Map<String, dynamic>> get(String path) async {
    final res = await staging().get(Uri.parse('$baseUrl$path'));
    return jsonDecode(res.body) as Map<String, dynamic>;
  }
}
