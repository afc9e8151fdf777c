#!/usr/bin/env bash
# Regenerates the announcement clip library in assets/voice/ offline, with espeak-ng's Vietnamese and
# English voices and sox. Every clip is 16 kHz, mono, 16-bit PCM WAV with the silence at both ends
# trimmed, which is the format queue-server's announce module assembles (others are converted when
# read, but keep to it). A human recording can replace any clip: keep its file name (see
# assets/voice/README.md).
#
#   apt-get install espeak-ng sox    # Debian packages
#   scripts/make-voice-clips.sh      # rewrites assets/voice/{vi,en,chime.wav}
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=assets/voice
RATE=16000
command -v espeak-ng >/dev/null || { echo "needs espeak-ng (apt-get install espeak-ng)" >&2; exit 1; }
command -v sox >/dev/null || { echo "needs sox (apt-get install sox)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT/vi" "$OUT/en"

# speak VOICE SPEED NAME TEXT: one clip, trimmed, normalised to -3 dBFS peak.
speak() {
  local voice=$1 speed=$2 name=$3 text=$4
  espeak-ng -v "$voice" -s "$speed" -a 180 -w "$TMP/raw.wav" "$text"
  sox "$TMP/raw.wav" -r "$RATE" -c 1 -b 16 "$OUT/$name.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse norm -3
}

# ---- Vietnamese --------------------------------------------------------------------------------
VI_DIGITS=(không một hai ba bốn năm sáu bảy tám chín)
for d in 0 1 2 3 4 5 6 7 8 9; do speak vi 140 "vi/$d" "${VI_DIGITS[$d]}"; done
speak vi 140 vi/muoi-10 "mười"      # 10, 1x: mười, mười lăm
speak vi 140 vi/muoi "mươi"         # tens from 20: hai mươi
speak vi 140 vi/tram "trăm"
speak vi 140 vi/nghin "nghìn"
speak vi 140 vi/le "lẻ"             # 105: một trăm lẻ năm (southern usage; "linh" in the north)
speak vi 140 vi/mot "mốt"           # 21: hai mươi mốt
speak vi 140 vi/lam "lăm"           # 15, 25: mười lăm, hai mươi lăm
speak vi 140 vi/phrase-invite "xin mời công dân có số thứ tự"
speak vi 140 vi/phrase-counter "đến quầy số"
# Vietnamese names of the Latin letters as read in ticket numbers.
declare -A VI_LETTERS=(
  [a]="a" [b]="bê" [c]="xê" [d]="dê" [e]="e" [f]="ép" [g]="giê" [h]="hát" [i]="i" [j]="gi"
  [k]="ca" [l]="e lờ" [m]="em mờ" [n]="en nờ" [o]="o" [p]="pê" [q]="quy" [r]="e rờ" [s]="ét xì"
  [t]="tê" [u]="u" [v]="vê" [w]="vê kép" [x]="ích xì" [y]="i dài" [z]="dét"
)
for l in "${!VI_LETTERS[@]}"; do speak vi 140 "vi/letter-$l" "${VI_LETTERS[$l]}"; done

# ---- English -----------------------------------------------------------------------------------
EN_WORDS=(zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
  sixteen seventeen eighteen nineteen)
for n in $(seq 0 19); do speak en 150 "en/$n" "${EN_WORDS[$n]}"; done
EN_TENS=([2]=twenty [3]=thirty [4]=forty [5]=fifty [6]=sixty [7]=seventy [8]=eighty [9]=ninety)
for t in 2 3 4 5 6 7 8 9; do speak en 150 "en/${t}0" "${EN_TENS[$t]}"; done
speak en 150 en/hundred "hundred"
speak en 150 en/thousand "thousand"
speak en 150 en/phrase-invite "ticket number"
speak en 150 en/phrase-counter "please go to counter"
for l in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
  speak en 150 "en/letter-$l" "$(echo "$l" | tr a-z A-Z)."
done

# ---- Chime: a soft two-tone "ding-dong" (E5 then C5) with a decaying envelope --------------------
sox -n -r "$RATE" -c 1 -b 16 "$TMP/ding.wav" synth 0.55 sine 659.25 fade q 0.01 0.55 0.45 vol 0.6
sox -n -r "$RATE" -c 1 -b 16 "$TMP/dong.wav" synth 0.8 sine 523.25 fade q 0.01 0.8 0.7 vol 0.6
sox "$TMP/ding.wav" "$TMP/dong.wav" "$OUT/chime.wav" norm -4
echo "clips written to $OUT: $(find "$OUT" -name '*.wav' | wc -l) files"
