data "nova_availability_zones" "all" {}

output "zones" {
  value = data.nova_availability_zones.all.names
}

data "nova_availability_zones" "down" {
  state = "unavailable"
}
