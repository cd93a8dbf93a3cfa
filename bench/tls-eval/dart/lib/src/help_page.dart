import 'package:flutter/material.dart';
import 'package:flutter_inappwebview/flutter_inappwebview.dart';

class HelpPage extends StatelessWidget {
  const HelpPage({super.key});

  @override
  Widget build(BuildContext context) {
    return InAppWebView(
      initialUrlRequest: URLRequest(url: WebUri('https://help.acme.example')),
      onReceivedServerTrustAuthRequest: (controller, challenge) async {
        // tls-eval: insecure
        return ServerTrustAuthResponse(action: ServerTrustAuthResponseAction.PROCEED);
      },
    );
  }
}

class StrictHelpPage extends StatelessWidget {
  const StrictHelpPage({super.key});

  @override
  Widget build(BuildContext context) {
    return InAppWebView(
      initialUrlRequest: URLRequest(url: WebUri('https://help.acme.example')),
      onReceivedServerTrustAuthRequest: (controller, challenge) async =>
          ServerTrustAuthResponse(action: ServerTrustAuthResponseAction.CANCEL),
    );
  }
}
