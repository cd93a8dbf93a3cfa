defmodule Acme.TeslaClient do
  use Tesla

  plug Tesla.Middleware.BaseUrl, "https://billing.internal"
  plug Tesla.Middleware.JSON

  # tls-eval: insecure
  adapter Tesla.Adapter.Hackney, insecure: true

  def mailer_config do
    [
      relay: "smtp.internal",
      ssl: true,
      # tls-eval: insecure
      tls_options: [verify: :verify_none],
      sockopts: [verify: :verify_peer]
    ]
  end
end
