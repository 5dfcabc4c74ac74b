-- CreateTable
CREATE TABLE "tenant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "app" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "client_secret_hash" TEXT NOT NULL,
    "redirect_uris" JSONB NOT NULL,
    "resources" JSONB NOT NULL,
    "login_preferences" JSONB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "app_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "user" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "email" TEXT,
    "email_verified_at" DATETIME,
    "phone_number" TEXT,
    "phone_verified_at" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'Pending',
    "status_changed_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "external_user_id" TEXT,
    "profile" JSONB NOT NULL,
    "custom_data" JSONB,
    "last_auth_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "user_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "user_app" (
    "user_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "username" TEXT,
    "external_account_id" TEXT,
    "custom_app_data" JSONB,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("user_id", "app_id"),
    CONSTRAINT "user_app_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "user_app_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "app" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "flow" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "machine_version" INTEGER NOT NULL,
    "state_value" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "flow_event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "flow_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "details" JSONB,
    CONSTRAINT "flow_event_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "challenge" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "flow_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "expires_at" DATETIME NOT NULL,
    "used_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "challenge_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "id_hash" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_by_app_id" TEXT NOT NULL,
    "methods" JSONB NOT NULL,
    "auth_time" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "session_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "refresh_token" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "token_hash" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "session_id" TEXT,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "grant" JSONB NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "rotated_at" DATETIME,
    "revoked_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "refresh_token_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "signing_key" (
    "kid" TEXT NOT NULL PRIMARY KEY,
    "alg" TEXT NOT NULL,
    "private_jwk" JSONB NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" DATETIME
);

-- CreateTable
CREATE TABLE "server_secret" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "purpose" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" DATETIME
);

-- CreateTable
CREATE TABLE "delivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "channel" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT,
    "text" TEXT NOT NULL,
    "html" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "tenant_name_key" ON "tenant"("name");

-- CreateIndex
CREATE UNIQUE INDEX "app_client_id_key" ON "app"("client_id");

-- CreateIndex
CREATE INDEX "app_tenant_id_idx" ON "app"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_tenant_id_email_key" ON "user"("tenant_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "user_tenant_id_phone_number_key" ON "user"("tenant_id", "phone_number");

-- CreateIndex
CREATE UNIQUE INDEX "user_tenant_id_external_user_id_key" ON "user"("tenant_id", "external_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_app_app_id_username_key" ON "user_app"("app_id", "username");

-- CreateIndex
CREATE INDEX "flow_app_id_kind_idx" ON "flow"("app_id", "kind");

-- CreateIndex
CREATE INDEX "flow_expires_at_idx" ON "flow"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "flow_event_flow_id_seq_key" ON "flow_event"("flow_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "challenge_secret_hash_key" ON "challenge"("secret_hash");

-- CreateIndex
CREATE INDEX "challenge_flow_id_idx" ON "challenge"("flow_id");

-- CreateIndex
CREATE UNIQUE INDEX "session_id_hash_key" ON "session"("id_hash");

-- CreateIndex
CREATE INDEX "session_user_id_idx" ON "session"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_token_token_hash_key" ON "refresh_token"("token_hash");

-- CreateIndex
CREATE INDEX "refresh_token_family_id_idx" ON "refresh_token"("family_id");

-- CreateIndex
CREATE INDEX "refresh_token_session_id_idx" ON "refresh_token"("session_id");

-- CreateIndex
CREATE INDEX "server_secret_purpose_idx" ON "server_secret"("purpose");

-- CreateIndex
CREATE INDEX "delivery_to_idx" ON "delivery"("to");

-- CreateIndex
CREATE INDEX "delivery_created_at_idx" ON "delivery"("created_at");
