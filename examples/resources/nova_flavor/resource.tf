resource "nova_flavor" "large" {
  name      = "c3.large"
  flavor_id = "c3.large"
  ram       = 8192
  vcpus     = 4
  disk      = 40
  swap      = 1024
  is_public = false

  description = "General purpose, 4 vCPUs"
  extra_specs = {
    "hw:cpu_policy" = "dedicated"
  }
}
