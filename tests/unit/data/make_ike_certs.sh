#!/bin/sh
# Regenerates the test PKI of test_ike_cert.c in tests/unit/data/ike_certs/
# with the openssl CLI (OpenSSL 3).  Test-only keys: never use them anywhere.
#
#   ca.crt        root CA "espvis test CA" (RSA 2048, 100 years)
#   other-ca.crt  an unrelated root CA (P-256): the "wrong CA"
#   rsa.*         RSA 2048 end entity, SAN DNS:rsa.espvis.test,
#                 email:rsa@espvis.test, IP:10.77.0.1, IP:fd00::1
#   ec256.*       P-256 end entity, SAN DNS:ec.espvis.test, IP:10.77.0.2
#   ec384.*       P-384 end entity, SAN DNS:ec384.espvis.test
#   foreign.*     P-256 end entity signed by other-ca, SAN DNS:ec.espvis.test
#   expired.*     P-256 end entity by ca, valid 2020-01-01 .. 2021-01-01
#   rsa.crt.der, ec256.key.der: the same in DER (loader tests)
#   sspA.*        RSA 2048, SAN DNS:A.espvis.test, and
#   sspB.*        P-256, SAN DNS:B.espvis.test: the certificates of the two
#                 charons of make_ike_vectors.sh (their IDs are A/B.espvis.test)
set -eu
D=$(cd "$(dirname "$0")" && pwd)/ike_certs
mkdir -p "$D"
cd "$D"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DAYS=36500

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days $DAYS -subj "/O=espvis/CN=espvis test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-out ca.crt
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other-ca.key
openssl req -x509 -new -key other-ca.key -sha256 -days $DAYS -subj "/O=other/CN=other test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-out other-ca.crt

# ee NAME KEYALG KEYOPT SUBJECT SAN CA
ee() {
	openssl genpkey -algorithm "$2" -pkeyopt "$3" -out "$1.key" 2>/dev/null
	openssl req -new -key "$1.key" -subj "$4" -out "$T/$1.csr"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectAltName=%s\n' "$5" >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$6.crt" -CAkey "$6.key" -CAcreateserial \
		-CAserial "$T/serial" -sha256 -days $DAYS -extfile "$T/$1.ext" -out "$1.crt" 2>/dev/null
}
ee rsa RSA rsa_keygen_bits:2048 "/O=espvis/CN=rsa.espvis.test" \
	"DNS:rsa.espvis.test,email:rsa@espvis.test,IP:10.77.0.1,IP:fd00::1" ca
ee ec256 EC ec_paramgen_curve:P-256 "/O=espvis/CN=ec.espvis.test" \
	"DNS:ec.espvis.test,IP:10.77.0.2" ca
ee ec384 EC ec_paramgen_curve:P-384 "/O=espvis/CN=ec384.espvis.test" \
	"DNS:ec384.espvis.test" ca
ee sspA RSA rsa_keygen_bits:2048 "/O=espvis/CN=A.espvis.test" "DNS:A.espvis.test" ca
ee sspB EC ec_paramgen_curve:P-256 "/O=espvis/CN=B.espvis.test" "DNS:B.espvis.test" ca
ee foreign EC ec_paramgen_curve:P-256 "/O=espvis/CN=ec.espvis.test" \
	"DNS:ec.espvis.test" other-ca

# expired: `openssl ca` is the CLI that takes explicit dates
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out expired.key
openssl req -new -key expired.key -subj "/O=espvis/CN=expired.espvis.test" -out "$T/expired.csr"
: >"$T/index.txt"
echo 01 >"$T/ca.serial"
cat >"$T/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $T/index.txt
serial = $T/ca.serial
new_certs_dir = $T
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:expired.espvis.test
CNF
openssl ca -batch -config "$T/ca.cnf" -cert ca.crt -keyfile ca.key -in "$T/expired.csr" \
	-startdate 20200101000000Z -enddate 20210101000000Z -extensions ext -notext \
	-out expired.crt 2>/dev/null

openssl x509 -in rsa.crt -outform DER -out rsa.crt.der
openssl pkey -in ec256.key -outform DER -out ec256.key.der
rm -f ca.srl other-ca.srl
ls -l "$D"
