terraform {
  required_providers {
    nova = {
      source  = "nova-project/nova"
      version = "0.1.0"
    }
  }
}

# Credentials come from the environment: the quickstart sets OS_CLOUD and
# OS_CLIENT_CONFIG_FILE to the local cloud's clouds.yaml.
provider "nova" {}

variable "image_id" {
  description = "Image to boot (the local cloud's \"cirros\")."
  type        = string
  default     = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
}

variable "network_id" {
  description = "Network for the servers (the local cloud's \"private\")."
  type        = string
  default     = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
}

variable "data_volume_id" {
  description = "An existing volume to attach to the web server."
  type        = string
}

resource "nova_keypair" "quickstart" {
  name = "quickstart"
}

resource "nova_flavor" "small" {
  name  = "quickstart.small"
  ram   = 512
  vcpus = 1
  disk  = 1
}

resource "nova_server_group" "spread" {
  name   = "quickstart"
  policy = "anti-affinity"
}

# Boots from the image.
resource "nova_server" "web" {
  name      = "quickstart-web"
  image_id  = var.image_id
  flavor_id = nova_flavor.small.id
  key_name  = nova_keypair.quickstart.name
  metadata  = { role = "web" }

  network {
    uuid = var.network_id
  }
  scheduler_hints {
    group = nova_server_group.spread.id
  }
}

# Boots from a volume created from the image.
resource "nova_server" "db" {
  name      = "quickstart-db"
  flavor_id = nova_flavor.small.id
  key_name  = nova_keypair.quickstart.name

  network {
    uuid = var.network_id
  }
  block_device {
    source_type           = "image"
    uuid                  = var.image_id
    destination_type      = "volume"
    volume_size           = 1
    boot_index            = 0
    delete_on_termination = true
  }
  scheduler_hints {
    group = nova_server_group.spread.id
  }
}

resource "nova_volume_attachment" "web_data" {
  server_id = nova_server.web.id
  volume_id = var.data_volume_id
}

output "servers" {
  value = {
    for s in [nova_server.web, nova_server.db] : s.name => {
      status    = s.status
      addresses = [for a in s.addresses : a.addr]
    }
  }
}

output "data_volume_device" {
  value = nova_volume_attachment.web_data.device
}
