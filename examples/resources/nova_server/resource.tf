# Booted from an image, on two networks, in an anti-affinity group.
resource "nova_server" "web" {
  name        = "web-1"
  image_id    = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
  flavor_name = "m1.small"
  key_name    = nova_keypair.deployer.name
  user_data   = file("${path.module}/cloud-init.yaml")
  metadata    = { role = "web" }
  tags        = ["web"]

  network {
    uuid = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
  }
  network {
    uuid        = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"
    fixed_ip_v4 = "10.20.0.10"
  }

  scheduler_hints {
    group = nova_server_group.web.id
  }
}

# Booted from a volume made from an image, with a blank data volume.
resource "nova_server" "db" {
  name        = "db-1"
  flavor_name = "m1.medium"

  network {
    uuid = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
  }

  block_device {
    source_type           = "image"
    uuid                  = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
    destination_type      = "volume"
    volume_size           = 20
    volume_type           = "fast"
    boot_index            = 0
    delete_on_termination = true
  }
  block_device {
    source_type           = "blank"
    destination_type      = "volume"
    volume_size           = 100
    delete_on_termination = false
  }

  timeouts {
    create = "20m"
  }
}
