# Horizon's image: one image for the Rasa server and the action server, one server per container
# (`python -m bot.container rasa|actions`). How to build and run it: docs/deploy.md.
#
# Python 3.10 from Ubuntu 22.04 LTS, not a python:3.10 image: Rasa Open Source 3.6.21 (its last open-source
# release) runs on Python <= 3.10, whose upstream security support ended in October 2026; Ubuntu keeps
# patching its python3.10 under the 22.04 LTS (standard support to April 2027, then Ubuntu Pro/ESM).
# Rebuild the image regularly so those fixes arrive (apt versions are not pinned on purpose: .hadolint.yaml).
#
# The model is trained while the image is built (`python -m bot.training --force`, a few minutes on 2 cores),
# so an image always carries the model of its own code and data. Mounting another model over
# /app/models/horizon.tar.gz works too (docs/deploy.md#the-model).
ARG BASE=ubuntu:22.04

FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.10 python3.10-venv python3.10-dev build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# What the servers need: requirements.txt up to its "# checks and tests" line (the rest lints and tests).
COPY requirements.txt constraints.txt ./
RUN python3.10 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade "pip<24" \
 && sed '/^# checks and tests/,$d' requirements.txt > /tmp/runtime-requirements.txt \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/runtime-requirements.txt -c constraints.txt
COPY . .
ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation -e . \
 && /opt/venv/bin/python -m bot.training --force \
 && rm -rf .rasa /root/.config/rasa

FROM ${BASE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.10 tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/horizon horizon
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# var/ holds the runtime endpoints and credentials (secrets, mode 0600): the only folder the servers write.
RUN mkdir -p /app/var && chown horizon:horizon /app/var
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/home/horizon \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
USER 10001:10001
EXPOSE 5005 5055
ENTRYPOINT ["tini", "--"]
CMD ["python", "-m", "bot.container", "rasa"]
