import Config

if config_env() == :prod do
  config :acme, Acme.Repo,
    url: System.fetch_env!("DATABASE_URL"),
    ssl: true,
    pool_size: 10

  config :acme, Acme.Mailer,
    adapter: Swoosh.Adapters.SMTP,
    relay: "smtp.internal",
    # tls-eval: insecure
    tls_options: [verify: :verify_none, versions: [:"tlsv1.2"]]
end
