"""boto3 (Debian's python3-boto3) as an independent EC2 client of the mc sandbox.

Usage: python3 boto3_client.py '<json config>'
Runs an instance through boto3's own waiters (instance_running, instance_status_ok,
instance_terminated) and the calls around them, and prints one JSON document of what it saw.
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def main(cfg):
    ec2 = boto3.client(
        "ec2",
        endpoint_url=cfg["endpoint"],
        region_name="us-east-1",
        aws_access_key_id=cfg["accessKeyId"],
        aws_secret_access_key=cfg["secretAccessKey"],
    )
    fast = {"Delay": 1, "MaxAttempts": 60}
    image = ec2.describe_images(Owners=["136693071363"], Filters=[{"Name": "name", "Values": ["debian-12-amd64-*"]}])["Images"][0]
    ran = ec2.run_instances(
        ImageId=image["ImageId"], InstanceType="t3.micro", MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "from-boto3"}]}],
    )
    iid = ran["Instances"][0]["InstanceId"]
    out = {"instance_id": iid}
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig=fast)
    out["status_right_after_running"] = ec2.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"][0]["InstanceStatus"]["Status"]
    ec2.get_waiter("instance_status_ok").wait(InstanceIds=[iid], WaiterConfig=fast)
    out["statuses"] = ec2.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"]
    out["all_statuses"] = [s["InstanceId"] for s in ec2.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]]
    out["tags"] = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]
    out["name_tags"] = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["Name"]}, {"Name": "resource-type", "Values": ["instance"]}])["Tags"]
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])["Volumes"]
    out["volumes"] = [{"VolumeId": v["VolumeId"], "State": v["State"], "Size": v["Size"], "Attachments": [{"InstanceId": a["InstanceId"], "Device": a["Device"], "State": a["State"]} for a in v["Attachments"]]} for v in volumes]
    described = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    out["root_volume_in_instance"] = described["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    out["all_instance_ids"] = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"])
    out["missing_volume"] = error_code(lambda: ec2.describe_volumes(VolumeIds=["vol-0123456789abcdef0"]))
    out["instance_type"] = ec2.describe_instance_attribute(InstanceId=iid, Attribute="instanceType")["InstanceType"]["Value"]
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
    out["protected"] = ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")["DisableApiTermination"]["Value"]
    out["terminate_protected"] = error_code(lambda: ec2.terminate_instances(InstanceIds=[iid]))
    out["resize_running"] = error_code(lambda: ec2.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.small"}))
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
    console = ec2.get_console_output(InstanceId=iid)
    out["console"] = console.get("Output", "")
    out["bad_attribute"] = error_code(lambda: ec2.describe_instance_attribute(InstanceId=iid, Attribute="colour"))
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig=fast)
    out["terminated_state"] = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]
    out["volumes_after"] = len(ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])["Volumes"])
    return out


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1])), default=str))
