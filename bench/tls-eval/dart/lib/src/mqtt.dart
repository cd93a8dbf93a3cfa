import 'dart:io';

/// MQTT over TLS to the broker. `onBadCertificate: (_) => true` was used
/// during the 2022 certificate outage and has been removed.
Future<SecureSocket> connectBroker(String host, SecurityContext ctx) =>
    SecureSocket.connect(host, 8883, context: ctx);

Future<SecureSocket> connectLab(String host) => SecureSocket.connect(
      host,
      8883,
      // tls-eval: insecure
      onBadCertificate: (X509Certificate c) {
        return true;
      },
    );
