"""One S3 PutObject signed with SigV4 over its headers and `UNSIGNED-PAYLOAD` (minio's own signer, the same
urllib3 pool as the `minio` client).

Why not `Minio.put_object`: over plain HTTP it hashes every body (SHA-256) to sign it, and over TLS it
sends an MD5 instead; either is a full extra pass over each chunk, which the store then repeats to check
it. A sealed chunk needs neither: it is AES-GCM authenticated and bound to its dataset, version, index and
plaintext digest, and every read checks that before releasing a byte, so a body altered on its way to the
store is an integrity violation (LML-7101) on read. Method, path, length and date are still signed.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import urllib3
from minio.credentials.credentials import Credentials
from minio.error import S3Error, ServerError
from minio.helpers import DictType
from minio.signer import sign_v4_s3
from minio.time import to_amz_date, utcnow

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
DEFAULT_REGION = "us-east-1"  # what S3 servers (MinIO, versitygw) answer to unless configured otherwise


class UnsignedPut:
    def __init__(self, http: urllib3.PoolManager, *, endpoint: str, secure: bool, access_key: str, secret_key: str,
                 region: str | None) -> None:
        self._http = http
        self._base = f"{'https' if secure else 'http'}://{endpoint}"
        self._credentials = Credentials(access_key, secret_key) if access_key else None  # None: anonymous
        self._region = region or DEFAULT_REGION

    def put(self, bucket: str, key: str, data: bytes | bytearray | memoryview, *,
            content_type: str = "application/octet-stream") -> None:
        """Raises `S3Error` for an S3 error answer, `ServerError` for another failed answer, urllib3/OS errors
        when the store cannot be reached (the caller translates them, as for the `minio` client)."""
        url = urlsplit(f"{self._base}/{bucket}/{quote(key, safe='/')}")
        date = utcnow()
        headers: DictType = {"Host": url.netloc, "Content-Type": content_type, "Content-Length": str(len(data)),
                   "x-amz-content-sha256": UNSIGNED_PAYLOAD, "x-amz-date": to_amz_date(date)}
        if self._credentials is not None:
            headers = sign_v4_s3(method="PUT", url=url, region=self._region, headers=headers,
                                 credentials=self._credentials, content_sha256=UNSIGNED_PAYLOAD, date=date)
        response = self._http.urlopen("PUT", url.geturl(), body=data, headers=headers, preload_content=True)
        if response.status == 200:
            return
        if response.data and response.headers.get("content-type", "").startswith(("application/xml", "text/xml")):
            raise S3Error.fromxml(response)
        raise ServerError(f"PUT answered HTTP {response.status}", response.status)
