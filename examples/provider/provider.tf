terraform {
  required_providers {
    nova = {
      source = "nova-project/nova"
    }
  }
}

# A cloud from clouds.yaml ...
provider "nova" {
  cloud = "mycloud"
}

# ... or everything spelled out (or taken from OS_* variables).
provider "nova" {
  alias        = "explicit"
  auth_url     = "https://keystone.example.com:5000/v3"
  region       = "RegionOne"
  user_name    = "alice"
  password     = var.password
  project_name = "web"
}

variable "password" {
  type      = string
  sensitive = true
}
