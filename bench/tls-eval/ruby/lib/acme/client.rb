# frozen_string_literal: true

require 'net/http'
require 'openssl'
require 'faraday'
require 'excon'
require 'typhoeus'
require 'rest-client'

module Acme
  # Thin client for the inference API.
  class Client
    DEFAULT_HEADERS = { 'Content-Type' => 'application/json' }.freeze

    def initialize(base_url:, api_key:, ca_file: nil, verify: true)
      @base_url = base_url
      @api_key = api_key
      @ca_file = ca_file
      @verify = verify
    end

    def http_for(uri)
      http = Net::HTTP.new(uri.host, uri.port)
      http.use_ssl = true
      http.verify_mode = OpenSSL::SSL::VERIFY_PEER
      http.ca_file = @ca_file if @ca_file
      http
    end

    def legacy_http(uri)
      http = Net::HTTP.new(uri.host, uri.port)
      http.use_ssl = true
      # tls-eval: insecure
      http.verify_mode = OpenSSL::SSL::VERIFY_NONE
      http
    end

    def start_legacy(uri, &block)
      # tls-eval: insecure
      Net::HTTP.start(uri.host, uri.port, use_ssl: true, verify_mode: OpenSSL::SSL::VERIFY_NONE, &block)
    end

    def no_hostname(http)
      # tls-eval: insecure
      http.verify_hostname = false
      http
    end

    def faraday
      Faraday.new(url: @base_url, headers: DEFAULT_HEADERS) do |f|
        f.request :json
        f.adapter Faraday.default_adapter
      end
    end

    def faraday_staging
      Faraday.new(
        url: @base_url,
        ssl: {
          ca_file: nil,
          # tls-eval: insecure
          verify: false
        }
      )
    end

    def faraday_symbol
      # tls-eval: insecure
      Faraday.new(@base_url, ssl: { verify_mode: :none })
    end

    def faraday_patch(conn)
      # tls-eval: insecure
      conn.ssl.verify = false
      conn
    end

    def excon
      # tls-eval: insecure
      Excon.new(@base_url, ssl_verify_peer: false, persistent: true)
    end

    def typhoeus(path)
      Typhoeus.get("#{@base_url}#{path}",
                   headers: { 'x-api-key' => @api_key },
                   # tls-eval: insecure
                   ssl_verifypeer: false,
                   # tls-eval: insecure
                   ssl_verifyhost: 0)
    end

    def rest(path)
      # tls-eval: insecure
      RestClient::Request.execute(method: :get, url: "#{@base_url}#{path}", verify_ssl: false)
    end

    def safe_faraday
      Faraday.new(url: @base_url, ssl: { ca_file: @ca_file, verify: true })
    end

    def safe_typhoeus(path)
      Typhoeus.get("#{@base_url}#{path}", ssl_verifyhost: 2, cainfo: @ca_file)
    end

    def jwt_claims(token, key)
      JWT.decode(token, key, true, verify_expiration: false)
    end

    # Never write http.verify_mode = OpenSSL::SSL::VERIFY_NONE here.
    def documented; end
  end
end

Excon.defaults[:ssl_ca_file] = ENV.fetch('SSL_CERT_FILE', nil)
# tls-eval: insecure
Excon.defaults[:ssl_verify_peer] = false
