#!/bin/sh
# Makes the certificates the TLS tests use, into $1 (created), with the
# `openssl` program: nothing secret is kept in git.
#   ca.crt/.key         a test CA
#   server.crt/.key     localhost and 127.0.0.1, issued by the CA
#   chain.crt           server.crt followed by ca.crt
#   expired.crt         the server's key, issued by the CA, expired in 2020
#   wronghost.crt       the server's key, issued by the CA for example.com
#   other.crt/.key      other.test, issued by the CA (a second SNI name)
#   self.crt/.key       self-signed, localhost
#   client.crt/.key     a client certificate issued by the CA
#   other-ca.crt        a CA that issued none of them
# Prints nothing on success; re-running refreshes everything.
set -eu
out=${1:?usage: make_certs.sh DIR}
mkdir -p "$out"
cd "$out"
q() { "$@" >/dev/null 2>&1 || { echo "make_certs.sh: failed: $*" >&2; "$@"; exit 1; }; }

key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

key ca.key
q openssl req -x509 -new -key ca.key -subj "/CN=coronet test CA" -days 3650 -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
key other-ca.key
q openssl req -x509 -new -key other-ca.key -subj "/CN=coronet other CA" -days 3650 -out other-ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign

# issue NAME KEY SUBJECT SAN [openssl ca options...]: NAME.crt from the CA.
issue() {
  name=$1 k=$2 subject=$3 san=$4
  shift 4
  q openssl req -new -key "$k" -subj "$subject" -out "$name.csr"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" > "$name.ext"
  rm -rf db && mkdir db && : > db/index && echo 1000 > db/serial
  cat > db/ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = db
database = db/index
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
CNF
  q openssl ca -batch -config db/ca.cnf -cert ca.crt -keyfile ca.key -in "$name.csr" -out "$name.crt" \
    -extfile "$name.ext" -notext "$@"
  rm -rf db "$name.csr" "$name.ext"
}

key server.key
issue server server.key "/CN=localhost" "DNS:localhost,IP:127.0.0.1,IP:::1" -days 3650
issue expired server.key "/CN=localhost" "DNS:localhost,IP:127.0.0.1" -startdate 20200101000000Z -enddate 20200201000000Z
issue wronghost server.key "/CN=example.com" "DNS:example.com" -days 3650
key other.key
issue other other.key "/CN=other.test" "DNS:other.test" -days 3650
key client.key
issue client client.key "/CN=coronet test client" "DNS:client.test" -days 3650
cat server.crt ca.crt > chain.crt

key self.key
q openssl req -x509 -new -key self.key -subj "/CN=localhost" -days 3650 -out self.crt \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1
