<?php
/**
 * Plugin Name: Acme Sync
 * Description: Pushes orders to the Acme API. Do not set 'sslverify' => false.
 */

if (!defined('ABSPATH')) {
    exit;
}

function acme_sync_push(array $order): void
{
    $response = wp_remote_post('https://api.acme.example/orders', [
        'timeout' => 20,
        'headers' => ['Authorization' => 'Bearer ' . get_option('acme_token')],
        'body' => wp_json_encode($order),
        'sslverify' => true,
    ]);
    if (is_wp_error($response)) {
        error_log($response->get_error_message());
    }
}

function acme_sync_status(): array
{
    $response = wp_remote_get('https://status.acme.example/v1', [
        // tls-eval: insecure
        'sslverify' => false,
    ]);
    return json_decode(wp_remote_retrieve_body($response), true) ?: [];
}

// tls-eval: insecure
add_filter('https_ssl_verify', '__return_false');
// tls-eval: insecure
add_filter('https_local_ssl_verify', fn () => false);
add_filter('https_ssl_verify', '__return_true', 20);
// add_filter('https_ssl_verify', '__return_false');
