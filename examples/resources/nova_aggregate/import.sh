terraform import nova_aggregate.ssd 1
