# bianzhi — 机构编制数字化管理平台
# make install   .venv with the package, its dev tools and the `bianzhi` console script
#                (+ the pages' npm assets in bianzhi/static/vendor and the compiled zh-hans translation)
# make demo      build the demo district (越城区) and serve it on http://127.0.0.1:8000
#                (make demo ADDR=127.0.0.1:8001 serves it on another address; a busy port is refused first)
# make test      bandit (security lint, fails on any finding), then the whole suite on SQLite and on PostgreSQL
# make bandit    only the security lint (configured in pyproject.toml [tool.bandit])
# make lint      ruff + mypy
# make bench     province-scale benchmarks (not part of make test)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
# npm comes with NodeSource's nodejs (which conflicts with Debian's npm package); Debian's own nodejs needs it apart.
DEBIAN_PACKAGES := python3-venv postgresql fonts-noto-cjk nodejs chromium gettext $(if $(shell command -v npm),,npm)
VENDOR := bianzhi/static/vendor

.PHONY: install assets messages screenshots demo test bandit test-sqlite test-postgres lint system-deps bench clean

install: $(STAMP) assets messages

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps-if-missing
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Front-end assets from npm (package.json + package-lock.json): copied into an ignored static folder,
# never committed and never fetched from a CDN at run time.
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons/fonts $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   $(VENDOR)/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 \
	   $(VENDOR)/bootstrap-icons/fonts/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	@touch $@

# The zh-hans translation (bianzhi/locale/zh_Hans/LC_MESSAGES/django.po → .mo, not committed); needs gettext.
messages: $(STAMP)
	cd bianzhi && ../$(BIN)/django-admin compilemessages --settings=bianzhi.config.settings -l zh_Hans -v 0

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

# The demo's address: make demo ADDR=127.0.0.1:8001 (or ADDR=8001, ADDR=0.0.0.0:8001).
ADDR ?= 127.0.0.1:8000

demo: install
	$(BIN)/bianzhi demo $(ADDR)

test: install
	@$(MAKE) --no-print-directory bandit
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

# Any finding fails the build; a false positive is marked `# nosec BXXX - why` on its line.
bandit: $(STAMP)
	@echo "== 安全检查：bandit =="
	@# bandit also warns "nosec encountered (B608), but no failed test" for the other strings of a marked line: noise.
	@set -o pipefail; $(BIN)/bandit -q -r bianzhi -c pyproject.toml 2>&1 | { grep -v "but no failed test" || true; }

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

# The README's screenshot of the unit page, from the demo district (needs chromium).
screenshots: install
	$(BIN)/python docs/screenshots/capture.py

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
