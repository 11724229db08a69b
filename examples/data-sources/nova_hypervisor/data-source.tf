data "nova_hypervisor" "c1" {
  hostname = "compute-1.example.com"
}

output "c1" {
  value = {
    state   = data.nova_hypervisor.c1.state
    status  = data.nova_hypervisor.c1.status
    host_ip = data.nova_hypervisor.c1.host_ip
    # null from compute API microversion 2.88
    memory_mib = data.nova_hypervisor.c1.memory
  }
}
