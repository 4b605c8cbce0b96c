"""List every node of one sandbox cloud with Apache Libcloud's own driver, as a user script would.

Usage: /usr/bin/python3 libcloud_list.py <ec2|rackspace|openstack|linode|digitalocean> '<json config>'
Prints one JSON array of {id, name, state, public_ips, private_ips, size, image}, the fields mc's
--json output carries too, so both clients do comparable work after the listing.
"""

import json
import sys

from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider


def driver_for(which, cfg):
    if which == "ec2":
        cls = get_driver(Provider.EC2)
        return cls(cfg["accessKeyId"], cfg["secretAccessKey"], region=cfg["region"], host="127.0.0.1", port=cfg["port"], secure=False)
    if which == "openstack":
        # api_version 2.0: the 1.1 driver (the default) lists only the first page (Nova's max_limit).
        cls = get_driver(Provider.OPENSTACK)
        return cls(
            cfg["username"], cfg["password"],
            api_version="2.0",
            ex_force_auth_url=cfg["identity"] + "/v3/auth/tokens",
            ex_force_auth_version="3.x_password",
            ex_tenant_name=cfg["projectName"],
            ex_domain_name="Default",
            ex_force_service_region=cfg["region"],
        )
    if which == "rackspace":
        cls = get_driver(Provider.RACKSPACE)
        return cls(cfg["username"], cfg["apiKey"], region=cfg["region"].lower(), ex_force_auth_url=cfg["identity"] + "/v2.0/tokens")
    if which in ("linode", "digitalocean"):
        if which == "linode":
            driver = get_driver(Provider.LINODE)(cfg["token"], api_version="4.0")
        else:
            driver = get_driver(Provider.DIGITAL_OCEAN)(cfg["token"], api_version="v2")
        # Libcloud's Linode and DigitalOcean drivers ignore host and port in their constructors.
        driver.connection.host = "127.0.0.1"
        driver.connection.port = cfg["port"]
        driver.connection.secure = False
        driver.connection.connect()
        return driver
    raise SystemExit("unknown provider " + which)


def main():
    which, cfg = sys.argv[1], json.loads(sys.argv[2])
    nodes = driver_for(which, cfg).list_nodes()
    json.dump(
        [
            {
                "id": str(n.id),
                "name": n.name,
                "state": n.state,
                "public_ips": n.public_ips,
                "private_ips": n.private_ips,
                "size": n.extra.get("instance_type") or n.extra.get("flavorId") or n.extra.get("size_slug") or n.extra.get("size") or n.size,
                # DigitalOcean's extra "image" is the whole image object: its id, as the others give.
                "image": n.extra.get("image_id") or n.extra.get("imageId") or (n.image.id if which == "digitalocean" and n.image else None) or n.extra.get("image") or n.image,
            }
            for n in nodes
        ],
        sys.stdout,
        indent=2,
        default=str,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
