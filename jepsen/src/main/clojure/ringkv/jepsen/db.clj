(ns ringkv.jepsen.db
  "Node processes: one `ringkv node` JVM per namespace, started, SIGKILLed and
  restarted on the same data directory, SIGSTOPped and SIGCONTed. A namespace
  (slot) may later run a brand-new node under another id (membership nemesis).
  Each node's stdout and stderr are appended to <store>/<id>.log across restarts."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [ringkv.jepsen.net :as net]))

(def jvm-opens
  "Chronicle Map on JDK 17 (docs/DESIGN.md); harmless when the manifest also has them."
  ["--add-opens=java.base/java.lang=ALL-UNNAMED" "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
   "--add-opens=java.base/java.nio=ALL-UNNAMED" "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
   "--add-opens=java.base/java.io=ALL-UNNAMED" "--add-opens=java.base/java.util=ALL-UNNAMED"
   "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED" "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"
   "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED" "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED"
   "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED"])

(def jvm-lean
  "Five nodes share two cores with the harness: small heaps, serial GC, C1 only."
  ["-Xms64m" "-Xmx256m" "-XX:+UseSerialGC" "-XX:TieredStopAtLevel=1" "-Xss512k"
   "-Dchronicle.analytics.disable=true"])

(defn node-classpath
  "The Maven runtime classpath bin/run computed (ring-node/target/classes and
  its dependencies), for running io.ringkv.node.NodeMain without the shaded jar."
  []
  (System/getProperty "ringkv.jepsen.classpath"))

(defn ringkv-command
  "argv of a real node in `node`'s namespace: java -jar ringkv.jar node ...,
  or, when the jar is not built, java -cp <classpath> io.ringkv.node.NodeMain.
  `id` is the node id (the slot's name for its first node), `join` the slots
  whose nodes it names with --join (none for the very first node), `clock-offset-ms`
  the node's wall-clock offset (the clock nemesis; none when 0 or absent)."
  [{:keys [jar port replication-factor cluster-name unsafe-lww? data-root node-args security] :as test} net node
   {:keys [id join clock-offset-ms]}]
  (let [id (or id node)]
    (cond-> (into ["java"] (concat jvm-lean jvm-opens))
      (.isFile (io/file jar)) (into ["-jar" jar "node"])
      (not (.isFile (io/file jar))) (into ["-cp" (node-classpath) "io.ringkv.node.NodeMain"])
      true (into ["--id" id "--host" ((:ip net) node) "--port" (str port)
                  "--data-dir" (str (io/file data-root id))
                  "--replication-factor" (str replication-factor) "--cluster-name" cluster-name])
      (seq join) (into ["--join" (str/join "," (for [j join] (str ((:ip net) j) ":" port)))])
      unsafe-lww? (conj "--unsafe-last-write-wins")
      (and clock-offset-ms (not (zero? clock-offset-ms))) (into ["--clock-offset-ms" (str clock-offset-ms)])
      (seq node-args) (into node-args)
      security (into ((:node-args security) node)))))

(defn dummy-command
  "A stand-in node for plumbing tests: a tiny HTTP server on the node's port."
  [{:keys [port]} net node & _]
  ["python3" "-m" "http.server" (str port) "--bind" ((:ip net) node)])

(defn db
  "The process table. :command is (fn [test net slot {:keys [id join]}] argv).
  A slot (namespace) runs one node at a time; :slots remembers, per slot, the
  id of its current node and the slots it joins through."
  [test net]
  {:test test :net net :procs (atom {}) :slots (atom {})
   :command (or (:node-command test) ringkv-command)})

(defn id-of
  "The id of the node slot runs (or last ran): the slot's name unless start! named another."
  [db node]
  (get-in @(:slots db) [node :id] node))

(defn log-file
  "Where the node `id` of this db writes its stdout and stderr (<store>/<id>.log)."
  [db id]
  (io/file (:store-dir (:test db)) (str id ".log")))

(defn pid [db node] (some-> (get @(:procs db) node) .pid))

(defn alive? [db node]
  (boolean (some-> ^Process (get @(:procs db) node) .isAlive)))

(defn start!
  "Starts the node of slot `node` inside its namespace unless one is running.
  opts (remembered for later restarts of the slot): :id, the node id (default:
  the slot's current id), and :join, the slots to name with --join. Returns the pid."
  ([db node] (start! db node nil))
  ([db node opts]
   (when opts (swap! (:slots db) update node merge opts))
   (when-not (alive? db node)
     (let [{:keys [test net]} db
           slot (get @(:slots db) node)
           log (log-file db (id-of db node))
           argv (net/exec-in net node ((:command db) test net node (assoc slot :id (id-of db node))))
           _ (io/make-parents log)
           _ (spit log (str "# " (java.time.Instant/now) " start: " (str/join " " argv) "\n") :append true)
           pb (doto (ProcessBuilder. ^java.util.List argv)
                (.redirectErrorStream true)
                (.redirectOutput (java.lang.ProcessBuilder$Redirect/appendTo log)))]
       (swap! (:procs db) assoc node (.start pb))))
   (pid db node)))

(defn kill!
  "SIGKILLs node (after SIGCONT, in case it was paused) and waits for it to die."
  [db node]
  (when-let [^Process p (get @(:procs db) node)]
    (net/sh "kill" "-CONT" (str (.pid p)))
    (.destroyForcibly p)
    (.waitFor p 10 java.util.concurrent.TimeUnit/SECONDS)
    (spit (log-file db (id-of db node)) (str "# " (java.time.Instant/now) " SIGKILL\n") :append true))
  nil)

(defn await-exit!
  "Waits up to timeout-ms for the slot's process to exit on its own; returns
  its exit status, or nil when it still runs (or never ran)."
  [db node timeout-ms]
  (when-let [^Process p (get @(:procs db) node)]
    (when (.waitFor p (long timeout-ms) java.util.concurrent.TimeUnit/MILLISECONDS)
      (let [code (.exitValue p)]
        (spit (log-file db (id-of db node)) (str "# " (java.time.Instant/now) " exited with status " code "\n")
              :append true)
        code))))

(defn pause! [db node]
  (when (alive? db node) (net/sh! "kill" "-STOP" (str (pid db node)))) nil)

(defn resume! [db node]
  (when (alive? db node) (net/sh! "kill" "-CONT" (str (pid db node)))) nil)

(defn paused?
  "True when the process is in state T (stopped), read from /proc."
  [db node]
  (when-let [p (pid db node)]
    (let [stat (String. (java.nio.file.Files/readAllBytes (java.nio.file.Paths/get (str "/proc/" p "/stat") (into-array String []))))]
      (= "T" (second (re-find #"\)\s+(\S)" stat))))))

(defn port-open? [host port timeout-ms]
  (try (with-open [s (java.net.Socket.)]
         (.connect s (java.net.InetSocketAddress. ^String host (int port)) (int timeout-ms))
         true)
       (catch Exception _ false)))

(defn await-port!
  "Waits until node accepts TCP connections on its port; throws after timeout-ms."
  [db node timeout-ms]
  (let [host ((:ip (:net db)) node) port (:port (:test db))
        deadline (+ (System/currentTimeMillis) timeout-ms)]
    (loop []
      (cond (port-open? host port 500) true
            (not (alive? db node)) (throw (ex-info (str node " exited before listening; see " node ".log") {:node node}))
            (> (System/currentTimeMillis) deadline) (throw (ex-info (str node " not listening on " host ":" port " after " timeout-ms " ms") {:node node}))
            :else (do (Thread/sleep 200) (recur))))))

(defn stop-all!
  "SIGKILLs every node process the harness started."
  [db]
  (doseq [n (keys @(:procs db))] (kill! db n)))
