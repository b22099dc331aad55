#!/usr/bin/env bash
# Makes a private CA and a server certificate for the segnas controller (TLS between hosts).
#
#   docker/tls/make-certs.sh OUT_DIR NAME [NAME ...]
#
# NAMEs are the host names and IP addresses workers dial (e.g. controller 10.1.2.3); each goes into
# the certificate's subjectAltName. Writes OUT_DIR/ca.pem (give it to every worker as
# SEGNAS_TLS_CA), OUT_DIR/server.pem and OUT_DIR/server.key (the controller's SEGNAS_TLS_CERT and
# SEGNAS_TLS_KEY), and OUT_DIR/ca.key (keep it offline; it signs further certificates).
# Keys are P-256 EC; certificates are valid for DAYS days (default 825). Needs the openssl CLI.
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 OUT_DIR NAME [NAME ...]   (NAME: a host name or IP address workers use for the controller)" >&2
  exit 2
fi
out="$1"
shift
days="${DAYS:-825}"
command -v openssl >/dev/null || { echo "$0: needs the openssl command (apt-get install openssl)" >&2; exit 2; }
mkdir -p "$out"
umask 077
san=""
for n in "$@"; do
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san="${san:+$san,}IP:$n"; else san="${san:+$san,}DNS:$n"; fi
done
cnf="$(mktemp)"
trap 'rm -f "$cnf" "$out/server.csr" "$out/ca.srl"' EXIT
cat >"$cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = segnas
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -config "$cnf" -extensions ca -subj "/CN=segnas CA" \
  -keyout "$out/ca.key" -out "$out/ca.pem" -days "$days" 2>/dev/null
openssl req "${ec[@]}" -config "$cnf" -subj "/CN=$1" -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -extfile "$cnf" -extensions server -days "$days" -out "$out/server.pem" 2>/dev/null
chmod 644 "$out/ca.pem" "$out/server.pem"
echo "wrote $out/ca.pem (workers: SEGNAS_TLS_CA), $out/server.pem + $out/server.key (controller: SEGNAS_TLS_CERT, SEGNAS_TLS_KEY) for $san"
