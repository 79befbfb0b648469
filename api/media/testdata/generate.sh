#!/usr/bin/env bash
# Regenerates the fixtures in this folder (committed; the tests never run
# this). Needs ffmpeg and webp (cwebp, webpmux):
#   apt-get install -y ffmpeg webp
# The recordings are what browsers' MediaRecorder produces, made by ffmpeg:
# a 1.5 s 440 Hz tone, mono, low bit rate so the files stay small.
set -euo pipefail
cd "$(dirname "$0")"
tone=(-hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=1.5 -ac 1)

# WebM/Opus with a Duration element (a seekable file, as Firefox writes it).
ffmpeg "${tone[@]}" -c:a libopus -b:a 12k voice.webm
# WebM/Opus written to a pipe: no Duration, unknown-size Segment and
# Clusters, as Chrome's MediaRecorder streams it.
ffmpeg "${tone[@]}" -c:a libopus -b:a 12k -f webm - > voice-live.webm
# Ogg/Opus (Firefox's audio/ogg) and Ogg/Vorbis.
ffmpeg "${tone[@]}" -c:a libopus -b:a 12k voice.ogg
ffmpeg "${tone[@]}" -c:a libvorbis -q:a 0 voice-vorbis.ogg
# MP4/AAC, plain (moov with durations and sample tables) and fragmented
# with an empty moov (Safari's and Chrome's audio/mp4 MediaRecorder).
ffmpeg "${tone[@]}" -c:a aac -b:a 24k voice.m4a
ffmpeg "${tone[@]}" -c:a aac -b:a 24k -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 500000 voice-fragmented.m4a
# A 61 s Ogg/Opus recording: one second too long.
ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=61 -ac 1 -c:a libopus -b:a 6k voice-61s.ogg

# WebP photos: lossy and lossless, 64×48, four coloured quadrants
# (red top left, green top right, blue bottom left, white bottom right).
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=red:s=32x24[a];color=lime:s=32x24[b];color=blue:s=32x24[c];color=white:s=32x24[d];[a][b]hstack[top];[c][d]hstack[bot];[top][bot]vstack,format=rgb24" -frames:v 1 quadrants.png
cwebp -quiet -q 90 quadrants.png -o photo.webp
cwebp -quiet -lossless quadrants.png -o photo-lossless.webp
rm quadrants.png
