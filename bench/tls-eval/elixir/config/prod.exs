import Config

# ssl: [verify: :verify_none] was used before the CA bundle was mounted.
config :acme, Acme.Repo,
  ssl: true,
  ssl_opts: [verify: :verify_peer, cacertfile: "/etc/ssl/rds-ca.pem", server_name_indication: ~c"db.internal"]

config :acme, Acme.Redis, ssl: [verify: :verify_peer]
