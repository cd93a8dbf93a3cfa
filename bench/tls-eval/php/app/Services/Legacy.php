<?php

namespace App\Services;

use Laminas\Http\Client as LaminasClient;
use Laminas\Http\Client\Adapter\Socket;

/**
 * Clients for the legacy ERP. Options such as 'sslverifypeer' => false were
 * removed in 2023; see docs/erp.md.
 */
class Legacy
{
    public function erp(string $uri): LaminasClient
    {
        return new LaminasClient($uri, [
            'adapter' => Socket::class,
            // tls-eval: insecure
            'sslverifypeer' => false,
            // tls-eval: insecure
            'sslallowselfsigned' => true,
        ]);
    }

    public function erpSafe(string $uri): LaminasClient
    {
        return new LaminasClient($uri, ['adapter' => Socket::class, 'sslcafile' => '/etc/erp/ca.pem']);
    }

    public function pecl(string $url): \http\Client
    {
        $client = new \http\Client();
        // tls-eval: insecure
        $client->setSslOptions(['verifypeer' => false, 'verifyhost' => false]);
        return $client;
    }

    public function requests(string $url): \WpOrg\Requests\Response
    {
        // tls-eval: insecure
        return \WpOrg\Requests\Requests::get($url, [], ['verifyname' => false]);
    }

    public function guzzle5(\GuzzleHttp\Client $client): void
    {
        $client->setDefaultOption('timeout', 5);
        // tls-eval: insecure
        $client->setDefaultOption('verify', false);
    }

    public function guzzle3(\Guzzle\Http\Client $client): void
    {
        // tls-eval: insecure
        $client->setSslVerification(false, false);
    }

    public function unirest(): void
    {
        \Unirest\Request::verifyPeer(true);
        // tls-eval: insecure
        \Unirest\Request::verifyPeer(false);
        // tls-eval: insecure
        \Unirest\Request::verifyHost(false);
    }

    public function sendgrid(string $key): \SendGrid\Client
    {
        $headers = ['Authorization: Bearer ' . $key];
        // tls-eval: insecure
        return new \SendGrid\Client('https://api.sendgrid.com', $headers, '/v3', null, verifySSLCerts: false);
    }

    public function mailer(): \PHPMailer\PHPMailer\PHPMailer
    {
        $mail = new \PHPMailer\PHPMailer\PHPMailer(true);
        $mail->isSMTP();
        $mail->Host = 'smtp.internal';
        $mail->SMTPOptions = [
            // tls-eval: insecure
            'ssl' => ['allow_self_signed' => true],
        ];
        return $mail;
    }

    public function mailerSafe(): \PHPMailer\PHPMailer\PHPMailer
    {
        $mail = new \PHPMailer\PHPMailer\PHPMailer(true);
        $mail->SMTPOptions = ['ssl' => ['cafile' => '/etc/ssl/smtp-ca.pem', 'verify_peer' => true]];
        return $mail;
    }
}

trait VerifiesPeers
{
    private array $options = [];

    public function withoutVerifying()
    {
        throw new \LogicException('verification cannot be turned off for this client');
    }
}
