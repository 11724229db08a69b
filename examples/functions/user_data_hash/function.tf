variable "image_id" {
  type = string
}

variable "flavor_id" {
  type = string
}

locals {
  user_data = file("${path.module}/cloud-init.yaml")
}

resource "nova_server" "web" {
  name      = "web"
  image_id  = var.image_id
  flavor_id = var.flavor_id
  user_data = local.user_data
}

# what nova_server.web.user_data_hash holds, known before the server exists
output "web_user_data_hash" {
  value = provider::nova::user_data_hash(local.user_data)
}
