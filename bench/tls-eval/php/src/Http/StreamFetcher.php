<?php

namespace Acme\Billing\Http;

class StreamFetcher
{
    public function fetch(string $url): string
    {
        $context = stream_context_create([
            'http' => ['method' => 'GET', 'timeout' => 10],
            'ssl' => [
                'verify_peer' => true,
                'verify_peer_name' => true,
                'allow_self_signed' => false,
                'cafile' => __DIR__ . '/../../resources/ca.pem',
            ],
        ]);

        return (string) file_get_contents($url, false, $context);
    }

    public function fetchInsecure(string $url): string
    {
        $context = stream_context_create([
            'ssl' => [
                // tls-eval: insecure
                'verify_peer' => false,
                // tls-eval: insecure
                'verify_peer_name' => false,
                // tls-eval: insecure
                'allow_self_signed' => true,
            ],
        ]);

        return (string) file_get_contents($url, false, $context);
    }

    public function socket(string $host): mixed
    {
        $ctx = stream_context_create();
        stream_context_set_option($ctx, 'ssl', 'cafile', '/etc/ssl/certs/ca-certificates.crt');
        // tls-eval: insecure
        stream_context_set_option($ctx, 'ssl', 'verify_peer_name', false);
        // tls-eval: insecure
        stream_context_set_option($ctx, 'ssl', 'allow_self_signed', true);

        return stream_socket_client("ssl://{$host}:443", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx);
    }
}
