"""Apache Libcloud as an independent client of the mc sandbox.

Usage: python3 libcloud_client.py <driver> '<json config>'
Drives Libcloud's own EC2, OpenStack, Rackspace or Linode driver through list -> create ->
wait until running -> list -> destroy, and prints one JSON document describing what it saw.
"""

import json
import sys
import time

from libcloud.compute.base import NodeImage, NodeLocation, NodeSize
from libcloud.compute.providers import get_driver
from libcloud.compute.types import NodeState, Provider


def wait_running(driver, node_id, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for node in driver.list_nodes():
            if node.id == node_id and node.state == NodeState.RUNNING:
                return node
        time.sleep(0.2)
    raise RuntimeError("node %s never reached RUNNING" % node_id)


def describe(node):
    return {
        "id": str(node.id),
        "name": node.name,
        "state": node.state,
        "public_ips": node.public_ips,
        "private_ips": node.private_ips,
    }


def lifecycle(driver, create):
    before = [describe(n) for n in driver.list_nodes()]
    created = create()
    running = wait_running(driver, created.id)
    listed = [describe(n) for n in driver.list_nodes()]
    destroyed = driver.destroy_node(running)
    after = [describe(n) for n in driver.list_nodes()]
    return {
        "before": before,
        "created": describe(created),
        "running": describe(running),
        "extra": {k: v for k, v in running.extra.items() if isinstance(v, (str, int, float, bool, list, dict, type(None)))},
        "listed": listed,
        "destroyed": destroyed,
        "after": after,
    }


def ec2(cfg):
    cls = get_driver(Provider.EC2)
    driver = cls(cfg["accessKeyId"], cfg["secretAccessKey"], region=cfg["region"], host="127.0.0.1", port=cfg["port"], secure=False)
    images = driver.list_images(ex_owner="136693071363")
    image = [i for i in images if i.name.startswith("debian-12-amd64")][0]
    size = [s for s in driver.list_sizes() if s.id == "t3.micro"][0]
    result = lifecycle(driver, lambda: driver.create_node(name="libcloud-ec2", image=image, size=size))
    result["signature_version"] = driver.signature_version
    result["images"] = [i.name for i in images]
    result["zones"] = [z.name for z in driver.ex_list_availability_zones()]
    return result


def openstack_driver(cfg, api_version):
    cls = get_driver(Provider.OPENSTACK)
    if cfg["version"] == "3":
        return cls(
            cfg["username"], cfg["password"],
            ex_force_auth_url=cfg["identity"] + "/v3/auth/tokens",
            ex_force_auth_version="3.x_password",
            ex_tenant_name=cfg["projectName"],
            ex_domain_name="Default",
            ex_force_service_region=cfg["region"],
            api_version=api_version,
        )
    return cls(
        cfg["username"], cfg["password"],
        ex_force_auth_url=cfg["identity"] + "/v2.0/tokens",
        ex_force_auth_version="2.0_password",
        ex_tenant_name=cfg["projectName"],
        ex_force_service_region=cfg["region"],
        api_version=api_version,
    )


def openstack(cfg):
    driver = openstack_driver(cfg, "1.1")
    sizes = driver.list_sizes()
    size = [s for s in sizes if s.name == "m1.small"][0]
    image = NodeImage(id=cfg["imageId"], name=None, driver=driver)
    result = lifecycle(driver, lambda: driver.create_node(name="libcloud-openstack", image=image, size=size))
    result["sizes"] = [s.name for s in sizes]
    result["nova"] = extensions(driver)
    result["neutron"] = extensions(openstack_driver(cfg, "2.0"))
    return result


def extensions(driver):
    """Libcloud's extension calls: networks and security groups (Neutron, or Nova's proxies), volumes."""
    return {
        "networks": sorted(n.name for n in driver.ex_list_networks()),
        "security_groups": [{"name": g.name, "rules": len(g.rules)} for g in driver.ex_list_security_groups()],
        "volumes": [v.id for v in driver.list_volumes()],
    }


def rackspace(cfg):
    cls = get_driver(Provider.RACKSPACE)
    driver = cls(cfg["username"], cfg["apiKey"], region="ord", ex_force_auth_url=cfg["identity"] + "/v2.0/tokens")
    sizes = driver.list_sizes()
    images = driver.list_images()
    image = [i for i in images if i.name.startswith("Debian 12")][0]
    size = [s for s in sizes if s.id == "general1-1"][0]
    result = lifecycle(driver, lambda: driver.create_node(name="libcloud-rackspace", image=image, size=size))
    result["images"] = [i.name for i in images]
    result.update(extensions(driver))
    return result


def linode(cfg):
    cls = get_driver(Provider.LINODE)
    driver = cls(cfg["token"], api_version="4.0")
    # Libcloud's Linode driver ignores host and port in its constructor.
    driver.connection.host = "127.0.0.1"
    driver.connection.port = cfg["port"]
    driver.connection.secure = False
    driver.connection.connect()
    locations = driver.list_locations()
    sizes = driver.list_sizes()
    images = driver.list_images()
    location = [loc for loc in locations if loc.id == "us-east"][0]
    size = [s for s in sizes if s.id == "g6-nanode-1"][0]
    image = [i for i in images if i.id == "linode/debian12"][0]
    result = lifecycle(
        driver,
        lambda: driver.create_node(location=location, size=size, image=image, name="libcloud-linode", root_pass="c0rrect-Horse-battery-staple"),
    )
    result["sizes"] = [{"id": s.id, "price": s.price} for s in sizes]
    result["images"] = [i.id for i in images]
    node = driver.list_nodes()[0]
    result["disks"] = [{"name": d.name, "size": d.size, "filesystem": d.filesystem, "state": d.state} for d in driver.ex_list_disks(node)]
    result["volumes"] = [v.id for v in driver.list_volumes()]
    return result


if __name__ == "__main__":
    which, config = sys.argv[1], json.loads(sys.argv[2])
    out = {"ec2": ec2, "openstack": openstack, "rackspace": rackspace, "linode": linode}[which](config)
    print(json.dumps(out, default=str))
