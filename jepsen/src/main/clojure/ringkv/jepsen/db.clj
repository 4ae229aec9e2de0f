(ns ringkv.jepsen.db
  "Node processes: one `ringkv node` JVM per namespace, started, SIGKILLed and
  restarted on the same data directory, SIGSTOPped and SIGCONTed. Each node's
  stdout and stderr are appended to <store>/<node>.log across restarts."
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
  "argv of a real node: java -jar ringkv.jar node ..., or, when the jar is not
  built, java -cp <classpath> io.ringkv.node.NodeMain ... (the first node
  seeds, the others --join it)."
  [{:keys [jar port replication-factor cluster-name unsafe-lww? data-root node-args] :as test} net node]
  (let [seed (first (:nodes net))]
    (cond-> (into ["java"] (concat jvm-lean jvm-opens))
      (.isFile (io/file jar)) (into ["-jar" jar "node"])
      (not (.isFile (io/file jar))) (into ["-cp" (node-classpath) "io.ringkv.node.NodeMain"])
      true (into ["--id" node "--host" ((:ip net) node) "--port" (str port)
                  "--data-dir" (str (io/file data-root node))
                  "--replication-factor" (str replication-factor) "--cluster-name" cluster-name])
      (not= node seed) (into ["--join" (str ((:ip net) seed) ":" port)])
      unsafe-lww? (conj "--unsafe-last-write-wins")
      (seq node-args) (into node-args))))

(defn dummy-command
  "A stand-in node for plumbing tests: a tiny HTTP server on the node's port."
  [{:keys [port]} net node]
  ["python3" "-m" "http.server" (str port) "--bind" ((:ip net) node)])

(defn db
  "The process table. :command is (fn [test net node] argv)."
  [test net]
  {:test test :net net :procs (atom {}) :command (or (:node-command test) ringkv-command)})

(defn pid [db node] (some-> (get @(:procs db) node) .pid))

(defn alive? [db node]
  (boolean (some-> ^Process (get @(:procs db) node) .isAlive)))

(defn start!
  "Starts node inside its namespace unless it is already running."
  [db node]
  (when-not (alive? db node)
    (let [{:keys [test net]} db
          log (io/file (:store-dir test) (str node ".log"))
          argv (net/exec-in net node ((:command db) test net node))
          _ (io/make-parents log)
          _ (spit log (str "# " (java.time.Instant/now) " start: " (str/join " " argv) "\n") :append true)
          pb (doto (ProcessBuilder. ^java.util.List argv)
               (.redirectErrorStream true)
               (.redirectOutput (java.lang.ProcessBuilder$Redirect/appendTo log)))]
      (swap! (:procs db) assoc node (.start pb))))
  (pid db node))

(defn kill!
  "SIGKILLs node (after SIGCONT, in case it was paused) and waits for it to die."
  [db node]
  (when-let [^Process p (get @(:procs db) node)]
    (net/sh "kill" "-CONT" (str (.pid p)))
    (.destroyForcibly p)
    (.waitFor p 10 java.util.concurrent.TimeUnit/SECONDS)
    (spit (io/file (:store-dir (:test db)) (str node ".log"))
          (str "# " (java.time.Instant/now) " SIGKILL\n") :append true))
  nil)

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
