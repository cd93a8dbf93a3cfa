require 'httparty'

class WebhookSender
  include HTTParty
  base_uri ENV.fetch('WEBHOOK_RELAY_URL', 'https://relay.example.com')
  # tls-eval: insecure
  default_options.update(verify: false)

  def deliver(payload)
    self.class.post('/hooks',
                    body: payload.to_json,
                    headers: { 'Content-Type' => 'application/json' },
                    # tls-eval: insecure
                    verify_peer: false)
  end

  def deliver_safely(payload)
    self.class.post('/hooks', body: payload.to_json, ssl_ca_file: '/etc/ssl/certs/relay.pem')
  end

  def ping
    # tls-eval: insecure
    HTTParty.get('https://relay.example.com/ping', verify: false)
  end

  def verified_ping
    HTTParty.get('https://relay.example.com/ping', verify: true)
  end
end
