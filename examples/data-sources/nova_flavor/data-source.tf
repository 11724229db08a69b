# By name ...
data "nova_flavor" "small" {
  name = "m1.small"
}

# ... or the one flavor that fits the filters.
data "nova_flavor" "four_cores" {
  vcpus       = 4
  min_ram     = 8192
  extra_specs = { "hw:cpu_policy" = "dedicated" }
}

# Swap (MiB), bandwidth factor and description are filters too.
data "nova_flavor" "general_purpose" {
  swap         = 1024
  rx_tx_factor = 1.0
  description  = "General purpose, 4 vCPUs"
}
