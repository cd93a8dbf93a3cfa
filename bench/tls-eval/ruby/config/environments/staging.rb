Rails.application.configure do
  config.action_mailer.smtp_settings = {
    address: 'smtp.example.com',
    openssl_verify_mode: 'peer',
    ca_file: '/etc/ssl/certs/ca-certificates.crt'
  }
  # verify: false is not accepted by the mail relay
  config.ssl_options = { hsts: { subdomains: true } }
  config.x.verify_webhooks = false
end
