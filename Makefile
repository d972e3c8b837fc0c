# bianzhi — 机构编制数字化管理平台
# make install   .venv with the package, its dev tools and the `bianzhi` console script
# make demo      build the demo district (越城区) and serve it on http://127.0.0.1:8000
# make test      the whole suite on SQLite, then again on PostgreSQL
# make lint      ruff + mypy
# make bench     province-scale benchmarks (not part of make test)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
DEBIAN_PACKAGES := python3-venv postgresql fonts-noto-cjk

.PHONY: install demo test test-sqlite test-postgres lint system-deps bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps-if-missing
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Installs the Debian packages the project needs (root only); `install` calls it when one is missing.
system-deps:
	@if [ "$$(id -u)" != "0" ]; then echo "system-deps: 需要 root 权限安装 $(DEBIAN_PACKAGES)"; exit 1; fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES)

system-deps-if-missing:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then $(MAKE) --no-print-directory system-deps; \
	  else echo "提示：缺少 Debian 软件包$$missing（以 root 运行 make system-deps 安装）"; fi; \
	fi

demo: install
	$(BIN)/bianzhi demo

test: install
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== 测试：SQLite =="
	env -u DATABASE_URL EXPECT_DB_VENDOR=sqlite BIANZHI_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-postgres:
	@echo "== 测试：PostgreSQL ($(TEST_DATABASE_URL)) =="
	@rm -f var/test-postgres.passed
	DATABASE_URL=$(TEST_DATABASE_URL) EXPECT_DB_VENDOR=postgresql BIANZHI_DATA_DIR=$(CURDIR)/var/test \
	  $(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)
	@mkdir -p var && touch var/test-postgres.passed

lint: install
	$(BIN)/ruff check bianzhi tests bench
	$(BIN)/ruff format --check bianzhi tests bench
	$(BIN)/mypy bianzhi

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
