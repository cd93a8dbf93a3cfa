defmodule Acme.HTTP do
  @moduledoc """
  HTTP helpers. Passing `ssl: [verify: :verify_none]` is not supported;
  use `:cacertfile` for the appliance CA.
  """

  @ca_opts [verify: :verify_peer, cacerts: :public_key.cacerts_get(), depth: 3]

  def get(url, headers \\ []) do
    HTTPoison.get(url, headers, ssl: @ca_opts)
  end

  def get_appliance(url) do
    # tls-eval: insecure
    HTTPoison.get(url, [], ssl: [verify: :verify_none])
  end

  def get_legacy(url) do
    # tls-eval: insecure
    HTTPoison.get(url, [], hackney: [:insecure])
  end

  def get_with_pool(url) do
    HTTPoison.get(url, [], hackney: [pool: :acme, insecure_basic_auth: false])
  end

  def get_multiline(url) do
    HTTPoison.get(url, [],
      hackney: [
        pool: :acme,
        # tls-eval: insecure
        :insecure
      ]
    )
  end

  def finch_child_spec do
    {Finch,
     name: Acme.Finch,
     pools: %{
       "https://appliance.local" => [
         conn_opts: [
           # tls-eval: insecure
           transport_opts: [verify: :verify_none]
         ]
       ],
       default: [conn_opts: [transport_opts: [verify: :verify_peer, cacertfile: CAStore.file_path()]]]
     }}
  end

  def req_client do
    # tls-eval: insecure
    Req.new(base_url: "https://partner.example", connect_options: [transport_opts: [verify: :verify_none]])
  end

  def raw_connect(host) do
    # tls-eval: insecure
    :ssl.connect(String.to_charlist(host), 443, [{:verify, :verify_none}, {:versions, [:"tlsv1.3"]}])
  end

  def accept_all(host) do
    :ssl.connect(String.to_charlist(host), 443,
      verify: :verify_peer,
      # tls-eval: insecure
      verify_fun: {fn _, _, state -> {:valid, state} end, []}
    )
  end

  def check_host(host) do
    :ssl.connect(String.to_charlist(host), 443,
      verify: :verify_peer,
      verify_fun: {&:ssl_verify_hostname.verify_fun/3, [check_hostname: String.to_charlist(host)]}
    )
  end
end
