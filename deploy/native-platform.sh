#!/bin/sh
# The platform of the PyTorch natives (the classifier of ai.djl.pytorch:pytorch-native-cpu) for a Docker target
# architecture as BuildKit's TARGETARCH or `dpkg --print-architecture` name it; empty means amd64 (the legacy
# builder sets no TARGETARCH). The Dockerfile's build and runtime stages both ask this script.
case "${1:-amd64}" in
  amd64) echo linux-x86_64 ;;
  arm64) echo linux-aarch64 ;;
  *) echo "no PyTorch build for the target architecture '$1'; use linux/amd64 or linux/arm64" >&2; exit 1 ;;
esac
