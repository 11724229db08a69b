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
