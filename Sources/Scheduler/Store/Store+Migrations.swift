import GRDB

extension Store {
    /// The schema's history. A migration is never edited once shipped; changes are new migrations
    /// (GRDB "Migrations", good practices). Tables are named with literals, singular and camelCase.
    func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 runs") { db in
            try db.execute(sql: """
                CREATE TABLE pipeline (
                    id TEXT PRIMARY KEY NOT NULL,
                    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
                    lastScheduledAt DOUBLE,
                    loadError TEXT
                );
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY NOT NULL,
                    pipelineID TEXT NOT NULL,
                    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'backfill', 'manual', 'service')),
                    logicalDate DOUBLE NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
                    params TEXT NOT NULL DEFAULT '{}',
                    idempotencyKey TEXT,
                    digest TEXT NOT NULL,
                    createdAt DOUBLE NOT NULL,
                    startedAt DOUBLE,
                    finishedAt DOUBLE,
                    note TEXT
                );
                CREATE UNIQUE INDEX run_idempotencyKey ON run(pipelineID, idempotencyKey) WHERE idempotencyKey IS NOT NULL;
                CREATE UNIQUE INDEX run_logicalDate ON run(pipelineID, logicalDate) WHERE trigger IN ('schedule', 'backfill');
                CREATE INDEX run_pipelineID ON run(pipelineID, id);
                CREATE INDEX run_active ON run(state) WHERE state IN ('queued', 'running');
                CREATE INDEX run_finishedAt ON run(finishedAt) WHERE finishedAt IS NOT NULL;
                CREATE TABLE taskRun (
                    runID INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    taskID TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN
                        ('pending', 'queued', 'running', 'succeeded', 'failed', 'up_for_retry', 'skipped', 'cancelled')),
                    tries INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    reason TEXT,
                    retryAt DOUBLE,
                    startedAt DOUBLE,
                    finishedAt DOUBLE,
                    PRIMARY KEY (runID, taskID)
                ) WITHOUT ROWID;
                CREATE TABLE attempt (
                    runID INTEGER NOT NULL,
                    taskID TEXT NOT NULL,
                    number INTEGER NOT NULL CHECK (number >= 1),
                    state TEXT NOT NULL CHECK (state IN
                        ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted')),
                    startedAt DOUBLE NOT NULL,
                    finishedAt DOUBLE,
                    exitCode INTEGER,
                    reason TEXT,
                    logPath TEXT NOT NULL,
                    PRIMARY KEY (runID, taskID, number),
                    FOREIGN KEY (runID, taskID) REFERENCES taskRun(runID, taskID) ON DELETE CASCADE
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2 accounts and audit") { db in
            try db.execute(sql: """
                CREATE TABLE user (
                    id INTEGER PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'auditor')),
                    passwordHash TEXT NOT NULL,
                    createdAt DOUBLE NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
                );
                CREATE TABLE session (
                    digest TEXT PRIMARY KEY NOT NULL,
                    userID INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    csrfToken TEXT NOT NULL,
                    createdAt DOUBLE NOT NULL,
                    lastSeenAt DOUBLE NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE apiToken (
                    id INTEGER PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    digest TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'auditor')),
                    pipelines TEXT,
                    createdBy TEXT NOT NULL,
                    createdAt DOUBLE NOT NULL,
                    expiresAt DOUBLE,
                    revokedAt DOUBLE
                );
                CREATE TABLE auditEvent (
                    id INTEGER PRIMARY KEY NOT NULL,
                    at DOUBLE NOT NULL,
                    actor TEXT NOT NULL,
                    role TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    address TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE TRIGGER auditEvent_noUpdate BEFORE UPDATE ON auditEvent
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                CREATE TRIGGER auditEvent_noDelete BEFORE DELETE ON auditEvent
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                """)
        }
        migrator.registerMigration("v3 password changes and run filters") { db in
            try db.execute(sql: """
                ALTER TABLE user ADD COLUMN mustChangePassword INTEGER NOT NULL DEFAULT 0 CHECK (mustChangePassword IN (0, 1));
                CREATE INDEX run_state ON run(state, id);
                CREATE INDEX run_logicalDate_all ON run(logicalDate);
                """)
        }
        migrator.registerMigration("v4 queue times, run comments, calendar") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN triggeredBy TEXT;
                ALTER TABLE run ADD COLUMN comment TEXT;
                ALTER TABLE taskRun ADD COLUMN queuedAt DOUBLE;
                ALTER TABLE attempt ADD COLUMN queuedAt DOUBLE;
                CREATE INDEX run_pipeline_logicalDate_state ON run(pipelineID, logicalDate, state);
                """)
        }
        migrator.registerMigration("v5 lineage") { db in
            // OpenLineage events as fields (the JSON is built when exported); `datasets` is JSON when any were reported.
            try db.execute(sql: """
                CREATE TABLE lineageEvent (id INTEGER PRIMARY KEY AUTOINCREMENT, eventTime DOUBLE NOT NULL, pipelineID TEXT NOT NULL,
                    runID INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE, taskID TEXT NOT NULL, attempt INTEGER NOT NULL,
                    eventType TEXT NOT NULL, logicalDate DOUBLE NOT NULL, datasets TEXT, error TEXT);
                CREATE INDEX lineageEvent_run ON lineageEvent(runID);
                CREATE INDEX lineageEvent_pipeline ON lineageEvent(pipelineID, id);
                CREATE TABLE lineageDelivery (endpoint TEXT PRIMARY KEY, lastID INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v6 lineage datasets") { db in
            // Which completed attempts wrote (output = 1) or read each dataset: the lineage graph's index. Older events
            // are indexed from their stored datasets.
            try db.execute(sql: """
                CREATE TABLE lineageDataset (name TEXT NOT NULL, output INTEGER NOT NULL CHECK (output IN (0, 1)),
                    eventID INTEGER NOT NULL REFERENCES lineageEvent(id) ON DELETE CASCADE, PRIMARY KEY (name, output, eventID)) WITHOUT ROWID;
                CREATE INDEX lineageDataset_event ON lineageDataset(eventID);
                """)
            let completed = try Row.fetchAll(db, sql: "SELECT id, datasets FROM lineageEvent WHERE eventType = 'COMPLETE' AND datasets IS NOT NULL")
            for row in completed {
                let (inputs, outputs) = LineageEvent.decodeDatasets(row[1] as String?)
                try Store.insertLineageDatasets(inputs: inputs, outputs: outputs, event: row[0], in: db)
            }
        }
        migrator.registerMigration("v7 alert outbox") { db in
            // One row per alert and channel, written in the engine's transaction; the sender moves `state` on
            // (pending → sent or failed) and logs each attempt. Alerts go with their run (retention).
            try db.execute(sql: """
                CREATE TABLE alert (id INTEGER PRIMARY KEY AUTOINCREMENT, createdAt DOUBLE NOT NULL, pipelineID TEXT NOT NULL,
                    runID INTEGER REFERENCES run(id) ON DELETE CASCADE, taskID TEXT, attempt INTEGER, event TEXT NOT NULL,
                    channel TEXT NOT NULL, logicalDate DOUBLE, error TEXT, heldBack INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')), attempts INTEGER NOT NULL DEFAULT 0,
                    nextAttemptAt DOUBLE NOT NULL, lastError TEXT, deliveredAt DOUBLE);
                CREATE INDEX alert_due ON alert(state, nextAttemptAt);
                CREATE INDEX alert_run ON alert(runID);
                CREATE TABLE alertDelivery (alertID INTEGER NOT NULL REFERENCES alert(id) ON DELETE CASCADE, at DOUBLE NOT NULL,
                    outcome TEXT NOT NULL, detail TEXT);
                CREATE INDEX alertDelivery_alert ON alertDelivery(alertID);
                """)
        }
        migrator.registerMigration("v8 alerts held back") { db in
            // How many alerts of a pipeline/task/event the throttle held back since the last one: counted into the
            // next, also after a restart.
            try db.execute(sql: "CREATE TABLE alertHeldBack (key TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID")
        }
        try migrator.migrate(writer)
    }
}
