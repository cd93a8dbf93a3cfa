provider "kubernetes" {
  host     = var.cluster_endpoint
  token    = var.cluster_token
  # tls-eval: insecure
  insecure = true
}

provider "helm" {
  kubernetes {
    host                   = var.cluster_endpoint
    cluster_ca_certificate = base64decode(var.cluster_ca)
  }
}

provider "vault" {
  address         = var.vault_addr
  # tls-eval: insecure
  skip_tls_verify = true
}

provider "vsphere" {
  user                 = var.vsphere_user
  password             = var.vsphere_password
  vsphere_server       = var.vsphere_server
  # tls-eval: insecure
  allow_unverified_ssl = true
}

data "http" "latest" {
  url      = "https://releases.example.com/latest.json"
  # tls-eval: insecure
  insecure = true
}

resource "github_repository_webhook" "ci" {
  repository = "api"
  configuration {
    url          = var.ci_hook_url
    content_type = "json"
    # tls-eval: insecure
    insecure_ssl = true
  }
}

resource "github_repository_webhook" "audit" {
  repository = "api"
  configuration {
    url          = var.audit_hook_url
    insecure_ssl = false
  }
}

provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
}

variable "insecure" {
  type    = bool
  default = false
}
