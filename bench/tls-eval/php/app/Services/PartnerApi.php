<?php

namespace App\Services;

use GuzzleHttp\Client;
use GuzzleHttp\RequestOptions;
use Illuminate\Support\Facades\Http;
use Symfony\Component\HttpClient\HttpClient;

class PartnerApi
{
    private Client $client;

    public function __construct(private string $baseUrl, private ?string $caBundle = null)
    {
        $this->client = new Client([
            'base_uri' => $baseUrl,
            'timeout' => 15,
            'verify' => $caBundle ?? true,
        ]);
    }

    public function staging(): Client
    {
        return new Client([
            'base_uri' => 'https://staging.partner.example',
            // tls-eval: insecure
            'verify' => false,
        ]);
    }

    public function sandbox(): Client
    {
        // tls-eval: insecure
        return new Client(['base_uri' => 'https://sandbox.partner.example', RequestOptions::VERIFY => false]);
    }

    public function pinned(): Client
    {
        return new Client([RequestOptions::VERIFY => storage_path('certs/partner-ca.pem')]);
    }

    public function ping(): int
    {
        // tls-eval: insecure
        return $this->client->get('/ping', ['verify' => false])->getStatusCode();
    }

    public function push(array $payload): array
    {
        // tls-eval: insecure
        return Http::withoutVerifying()
            ->withToken(config('services.partner.token'))
            ->post($this->baseUrl . '/push', $payload)
            ->json();
    }

    public function pushViaOptions(array $payload): array
    {
        // tls-eval: insecure
        return Http::withOptions(['verify' => false])->post($this->baseUrl . '/push', $payload)->json();
    }

    public function pushSafely(array $payload): array
    {
        return Http::withOptions(['verify' => storage_path('certs/partner-ca.pem')])
            ->withToken(config('services.partner.token'))
            ->post($this->baseUrl . '/push', $payload)
            ->json();
    }

    public function symfony(): \Symfony\Contracts\HttpClient\HttpClientInterface
    {
        return HttpClient::create([
            // tls-eval: insecure
            'verify_peer' => false,
            // tls-eval: insecure
            'verify_host' => false,
        ]);
    }

    public function symfonySafe(): \Symfony\Contracts\HttpClient\HttpClientInterface
    {
        return HttpClient::create(['cafile' => '/etc/ssl/partner.pem', 'verify_host' => true]);
    }
}
