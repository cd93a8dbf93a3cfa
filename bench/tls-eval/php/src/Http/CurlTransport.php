<?php

declare(strict_types=1);

namespace Acme\Billing\Http;

use Acme\Billing\Exception\TransportException;

/**
 * Small cURL transport used by the billing SDK.
 *
 * Setting CURLOPT_SSL_VERIFYPEER to false is never needed here: pass a CA
 * bundle through the "ca_file" option instead.
 */
final class CurlTransport
{
    private bool $verify;

    public function __construct(private readonly array $options = [])
    {
        $this->verify = $options['verify'] ?? true;
    }

    public function send(string $method, string $url, array $headers, ?string $body): array
    {
        $ch = curl_init($url);
        curl_setopt($ch, CURLOPT_CUSTOMREQUEST, $method);
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($ch, CURLOPT_HTTPHEADER, $headers);
        curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, true);
        curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 2);
        curl_setopt($ch, CURLOPT_SSL_VERIFYSTATUS, false);
        if (isset($this->options['ca_file'])) {
            curl_setopt($ch, CURLOPT_CAINFO, $this->options['ca_file']);
        }
        if ($body !== null) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        }
        $raw = curl_exec($ch);
        if ($raw === false) {
            throw new TransportException(curl_error($ch));
        }
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);

        return [$status, $raw];
    }

    public function legacyMirror(string $url): string
    {
        // The mirror at files.internal still runs a self-signed certificate.
        $ch = curl_init($url);
        // tls-eval: insecure
        curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);
        // tls-eval: insecure
        curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 0);
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, 1);
        $out = (string) curl_exec($ch);
        curl_close($ch);

        return $out;
    }

    public function viaProxy(string $url, string $proxy): string
    {
        $ch = curl_init();
        curl_setopt_array($ch, [
            CURLOPT_URL => $url,
            CURLOPT_PROXY => $proxy,
            CURLOPT_RETURNTRANSFER => true,
            // tls-eval: insecure
            CURLOPT_PROXY_SSL_VERIFYPEER => false,
            // tls-eval: insecure
            CURLOPT_SSL_VERIFYPEER => null,
            CURLOPT_TIMEOUT => 30,
        ]);
        $out = (string) curl_exec($ch);
        curl_close($ch);

        return $out;
    }

    public function reports(string $url): string
    {
        $ch = curl_init($url);
        curl_setopt(
            $ch,
            // tls-eval: insecure
            CURLOPT_SSL_VERIFYPEER,
            0
        );
        // tls-eval: insecure
        curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 1);
        curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, $this->verify);

        return (string) curl_exec($ch);
    }
}
