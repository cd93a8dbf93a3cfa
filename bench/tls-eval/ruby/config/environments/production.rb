Rails.application.configure do
  config.force_ssl = true
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: ENV['SMTP_HOST'],
    port: 587,
    enable_starttls_auto: true,
    # tls-eval: insecure
    openssl_verify_mode: 'none'
  }
  config.active_record.verify_foreign_keys_for_fixtures = false
end
