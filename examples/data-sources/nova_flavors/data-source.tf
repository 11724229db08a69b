data "nova_flavors" "single_core" {
  vcpus = 1
}

output "single_core_flavors" {
  value = [for f in data.nova_flavors.single_core.flavors : f.name]
}
