(ns ringkv.jepsen.core
  "The harness: CLI, test lifecycle and the worker threads.

  A run: remove leftovers, create the namespaces, start the nodes, run the
  workload with `concurrency` workers (one op in flight each; a worker whose op
  ends :info retires its process id and continues as process + concurrency)
  while the nemesis alternates calm and faults; then heal everything, wait a
  quiet period, read every key at R=N, poll every key's replicas until they
  agree, tear everything down, and write history.edn, results.edn, the node
  logs and latency.png to jepsen/store/<test>/<yyyyMMddTHHmmss>/.
  Exit 0 valid, 1 invalid, 2 harness error."
  (:require [clojure.java.io :as io]
            [clojure.pprint :as pprint]
            [clojure.string :as str]
            [clojure.tools.cli :as cli]
            [ringkv.jepsen.checker :as checker]
            [ringkv.jepsen.db :as db]
            [ringkv.jepsen.history :as h]
            [ringkv.jepsen.membership :as m]
            [ringkv.jepsen.nemesis :as nem]
            [ringkv.jepsen.net :as net]
            [ringkv.jepsen.plot :as plot]
            [ringkv.jepsen.security :as sec]
            [ringkv.jepsen.workload :as wl])
  (:gen-class))

(defn home
  "The jepsen/ directory (bin/run passes it; else ./jepsen or .)."
  []
  (io/file (or (System/getProperty "ringkv.jepsen.home")
               (if (.isDirectory (io/file "jepsen/src")) "jepsen" "."))))

(def cli-options
  [[nil "--workload NAME" "set, register or delete" :default :set :parse-fn keyword
    :validate [#{:set :register :delete} "must be set, register or delete"]]
   [nil "--nemesis FAULTS" "comma-separated: partition,kill,pause,clock,membership (or none)"
    :default #{:partition :kill}
    :parse-fn #(if (= "none" %) #{} (set (map keyword (str/split % #","))))
    :validate [#(every? #{:partition :kill :pause :clock :membership} %)
               "faults are partition, kill, pause, clock, membership"]]
   [nil "--clock-skew-ms MS" "clock fault: a minority restarts with its wall clock 1/5 to all of this ahead or behind"
    :default 300000 :parse-fn parse-long :validate [#(<= 5 % 86400000) "5..86400000"]]
   [nil "--spare-nodes K" "with membership: extra namespaces for joining nodes" :default 1 :parse-fn parse-long
    :validate [#(<= 0 % 50) "0..50"]]
   [nil "--rejoin-same-id" "with membership: a node rejoins a slot under its old id (wiped), not n2b, n2c, ..."]
   [nil "--membership-timeout SECONDS" "a LEAVE, a join reaching UP or a REMOVE that takes longer fails"
    :default 120 :parse-fn parse-long]
   [nil "--placement-bound SECONDS" "after the heal, VERIFY must report every key on exactly its owners this soon"
    :default 60 :parse-fn parse-long]
   [nil "--[no-]check-placement" (str "misplaced and under-replicated keys both fail the run (--no-: neither does); "
                                      "default: under-replicated fails runs with membership, misplaced only reports")]
   [nil "--time-limit SECONDS" "how long the workload runs" :default 60 :parse-fn parse-long]
   [nil "--nodes N" "number of nodes" :default 5 :parse-fn parse-long :validate [#(<= 1 % 200) "1..200"]]
   [nil "--concurrency N" "client workers" :default 10 :parse-fn parse-long]
   [nil "--rate OPS" "target client ops per second, all workers together" :default 40.0 :parse-fn parse-double]
   [nil "--replication-factor N" "N replicas per key; final reads use R=N" :default 3 :parse-fn parse-long]
   [nil "--key-count N" "keys per workload (default 3 set, 5 register, 8 delete)" :parse-fn parse-long]
   [nil "--calm SECONDS" "calm period between faults" :default 10 :parse-fn parse-long]
   [nil "--fault SECONDS" "length of a fault" :default 10 :parse-fn parse-long]
   [nil "--quiet SECONDS" "quiet period after the final heal" :default 10 :parse-fn parse-long]
   [nil "--convergence-bound SECONDS" "replicas must agree this soon after the heal" :default 30 :parse-fn parse-long]
   [nil "--op-timeout MS" "client request timeout; later is :info" :default 5000 :parse-fn parse-long]
   [nil "--min-availability SHARE" "fail when a fault window's ok share is lower" :default 0.0 :parse-fn parse-double]
   [nil "--strict-deletes" "a deleted value read back during a fault is invalid too (in calm it always is)"]
   [nil "--unsafe-last-write-wins" "start nodes in the broken LWW mode: the run should be invalid"]
   [nil "--tls" "nodes with --tls all (mutual TLS between nodes, certificates per namespace); clients over TLS"]
   [nil "--auth" "nodes with --auth on; clients log in as an admin (without --tls: a cluster secret and --allow-plaintext-auth)"]
   [nil "--jar PATH" "the ringkv shaded jar" :default "dist/target/ringkv.jar"]
   [nil "--port PORT" "node port" :default 7001 :parse-fn parse-long]
   ;; The workloads touch a handful of keys; Chronicle's default (1M entries of 1 KiB) would allocate
   ;; about 1.3 GB per node and take a minute to create on a busy machine.
   [nil "--node-args ARGS" "extra flags for every node, space-separated"
    :default ["--storage-entries" "20000" "--storage-average-value-bytes" "512"]
    :default-desc "--storage-entries 20000 --storage-average-value-bytes 512"
    :parse-fn #(vec (remove str/blank? (str/split % #"\s+")))]
   [nil "--seed N" "random seed for the schedule and the workers" :parse-fn parse-long]
   [nil "--dummy-nodes" "plumbing check: python3 http.server stands in for nodes (the run is :unknown)"]
   [nil "--store DIR" "root of the store (default jepsen/store)"]
   [nil "--recheck DIR" "check a stored run's history.edn again (with this --workload) and redraw its plot"]
   ["-h" "--help"]])

(defn test-name [{:keys [workload nemesis unsafe-last-write-wins]}]
  (str "ringkv-" (name workload) "-" (if (empty? nemesis) "none" (str/join "+" (map name (sort nemesis))))
       (when unsafe-last-write-wins "-lww")))

(defn- timestamp []
  (.format (java.time.format.DateTimeFormatter/ofPattern "yyyyMMdd'T'HHmmss")
           (java.time.LocalDateTime/now java.time.ZoneOffset/UTC)))

(defn- log [& xs] (locking *out* (apply println (str "[" (java.time.LocalTime/now) "]") xs) (flush)))

;; ------------------------------------------------------------- workers

(defn- dummy-invoke!
  "--dummy-nodes: no store behind the nodes, so an op is a TCP probe of a
  random node (ok when it accepts, fail when refused or unreachable). Enough
  to see kills, pauses and the plumbing in the history and the plot."
  [test hosts ^java.util.Random rng op]
  (let [h (nth (vec hosts) (.nextInt rng (count hosts)))]
    (if (db/port-open? h (:port test) 1000)
      (assoc op :type :ok)
      (assoc op :type :fail :error [:unreachable h]))))

(defn- worker
  "One worker: runs ops until the deadline. One op in flight; after :info the
  process id is retired and a fresh one (+ concurrency) takes its place."
  [test rec gen hosts worker-id deadline-ns]
  (let [rng (java.util.Random. (+ (:seed test) worker-id))
        conc (:concurrency test)
        mean-sleep-ms (/ (* 1000.0 conc) (:rate test))
        connect (if (:dummy-nodes test)
                  (constantly (reify java.lang.AutoCloseable (close [_])))
                  #(try (if-let [f (:client-factory test)] (f worker-id) (wl/connect test hosts (:port test) worker-id))
                        (catch Throwable t (log "worker" worker-id "cannot connect:" (.getMessage t)) nil)))
        invoke! (if (:dummy-nodes test)
                  (fn [_ op] (dummy-invoke! test hosts rng op))
                  (fn [client op] (wl/invoke! client test (:workload test) op)))]
    (loop [process worker-id client (connect)]
      (if (>= (h/now rec) deadline-ns)
        (when client (try (.close ^java.lang.AutoCloseable client) (catch Throwable _)))
        (do
        (Thread/sleep (long (* 2 mean-sleep-ms (.nextDouble rng))))
        (if-not client
          (do (Thread/sleep 1000) (recur process (connect)))
          (let [op (assoc (gen rng) :process process)
                _ (h/record! rec (assoc op :type :invoke))
                c (try (invoke! client op)
                       (catch Throwable t (assoc op :type :info :error (str t))))
                c (select-keys c [:type :process :f :value :error :seen])]
            (h/record! rec c)
            (if (= :info (:type c))
              (do (try (.close ^java.lang.AutoCloseable client) (catch Throwable _))
                  (recur (+ process conc) (connect)))
              (recur process client)))))))
    nil))

(defn- final-client
  "A client and an op runner for the phase after the heal; ops are marked :final? true."
  [test rec hosts first-process]
  (let [client (if-let [f (:client-factory test)] (f -1) (wl/connect test hosts (:port test) 0))
        p (atom first-process)]
    {:client client
     :do-op! (fn [op]
               (let [op (assoc op :process @p)
                     _ (h/record! rec (assoc op :type :invoke))
                     c (try (wl/invoke! client test (:workload test) op)
                            (catch Throwable t (assoc op :type :info :error (str t))))
                     c (assoc (select-keys c [:type :process :f :value :error :seen]) :final? true)]
                 (h/record! rec c)
                 (when (= :info (:type c)) (swap! p inc))
                 c))}))

(defn- poll-convergence!
  "From the heal on: polls every key's replicas (`where`) every 500 ms until
  they all answer and agree, or the convergence bound passes. The convergence
  checker measures the time from the heal to each key's first agreeing poll."
  [test rec do-op!]
  (let [bound-ns (* 1000000000 (:convergence-bound test))
        start (h/now rec)
        agree? (fn [c] (and (= :ok (:type c))
                            (let [states (vals (second (:value c)))]
                              (and (seq states) (every? :answered states)
                                   (apply = (map (juxt (comp set :values) :tombstones) states))))))]
    (loop [pending (set (wl/keys-of (:workload test) test))]
      (when (and (seq pending) (< (- (h/now rec) start) bound-ns))
        (let [done (set (filter #(agree? (do-op! {:f :replicas :value [% nil]})) pending))]
          (when (seq (remove done pending)) (Thread/sleep 500))
          (recur (reduce disj pending done)))))))

(defn- final-reads!
  "A read of every key at R=N, retried (up to 5 times) until ok."
  [test do-op!]
  (doseq [k (wl/keys-of (:workload test) test)]
    (loop [tries 5]
      (let [c (do-op! {:f :read :value [k nil] :r (:replication-factor test)})]
        (when (and (not= :ok (:type c)) (> tries 1))
          (Thread/sleep 1000)
          (recur (dec tries)))))))

;; ----------------------------------------------------------------- run

(defn- message [^Throwable t]
  (let [t (if (and (instance? java.util.concurrent.ExecutionException t) (.getCause t)) (.getCause t) t)]
    (str (.getSimpleName (class t)) ": " (.getMessage t))))

(defn- elapsed-ms [t0] (quot (- (System/nanoTime) t0) 1000000))

(defn- node-status
  "The status (UP, JOINING, LEAVING, DOWN) `client`'s node reports for `id`, nil when it does not list it."
  [^io.ringkv.client.RingkvClient client id]
  (some (fn [^io.ringkv.client.ClusterInfo$Node x] (when (= id (.id x)) (.status x)))
        (.nodes ^io.ringkv.client.ClusterInfo (.get (.info client) 5000 java.util.concurrent.TimeUnit/MILLISECONDS))))

(defn- with-node-client
  "Calls (f client) with a client connected to `slot`'s node, or returns
  {:error ...} when it cannot connect there (no other node is ever asked)."
  [test n slot f]
  (let [ip ((:ip n) slot)]
    (try
      (with-open [c (wl/connect test [ip] (:port test) 0)]
        (let [cur (.currentNode c)]
          (if (and cur (= ip (.host cur)))
            (f c)
            {:error (str "the client is on " cur ", not on " slot " (" ip "); nothing sent")})))
      (catch Throwable t {:error (str "cannot connect to " slot ": " (message t))}))))

(defn- others-leaving
  "Slots other than `node` whose node some running member reports LEAVING (or
  no longer lists, while its process runs)."
  [test n d node]
  (let [slots (filter #(and (not= % node) (db/alive? d %)) (keys @(:procs d)))
        asked (first (filter #(db/port-open? ((:ip n) %) (:port test) 500) slots))]
    (when asked
      (with-node-client test n asked
        (fn [^io.ringkv.client.RingkvClient c]
          (let [statuses (try (into {} (for [^io.ringkv.client.ClusterInfo$Node x
                                             (.nodes ^io.ringkv.client.ClusterInfo
                                                     (.get (.info c) 5000 java.util.concurrent.TimeUnit/MILLISECONDS))]
                                         [(.id x) (.status x)]))
                              (catch Throwable _ nil))]
            (when statuses
              (vec (filter #(let [st (get statuses (db/id-of d %))] (or (nil? st) (= "LEAVING" st))) slots)))))))))

(defn- leave!
  "LEAVE sent to the leaving node itself, then its process must exit."
  [test n d {:keys [node]}]
  (let [t0 (System/nanoTime)
        bound-ms (* 1000 (:membership-timeout test))
        answer (with-node-client test n node
                 (fn [^io.ringkv.client.RingkvClient c]
                   (try {:result (.get (.leave c) bound-ms java.util.concurrent.TimeUnit/MILLISECONDS)}
                        (catch Throwable t {:error (message t)}))))
        left-ms (elapsed-ms t0)
        exit (db/await-exit! d node (if (:error answer) 5000 30000))
        ;; RingkvClient.leave() is re-sent once to another node when the connection to the leaving
        ;; node drops before its reply: that node leaves too. Let such a departure finish, so the
        ;; model sees its process gone (it is reported as :collateral).
        leaving (let [l (others-leaving test n d node)] (if (sequential? l) l []))]
    (doseq [x leaving] (db/await-exit! d x 30000))
    (cond-> (assoc answer :left-after-ms left-ms)
      exit (assoc :exit exit :exited-after-ms (elapsed-ms t0))
      (not exit) (assoc :still-running true)
      (seq leaving) (assoc :also-leaving (vec leaving)))))

(defn- join!
  "A brand-new node in a free slot (fresh data dir), joining through the
  members; done when `via` (another member) reports it UP."
  [test n d {:keys [node id join via]}]
  (let [t0 (System/nanoTime)
        bound-ms (* 1000 (:membership-timeout test))
        dir (io/file (:data-root test) id)]
    (when (.exists dir) ;; --rejoin-same-id: keep the old data for the record, start empty
      (.renameTo dir (io/file (:data-root test) (str id ".old-" (System/currentTimeMillis)))))
    (db/start! d node {:id id :join join})
    (try (db/await-port! d node 60000)
         (catch Throwable t (throw (ex-info (str (.getMessage t) (when-let [e (db/await-exit! d node 1000)] (str "; exit status " e)))
                                            {}))))
    (let [listening-ms (elapsed-ms t0)
          seen (with-node-client test n via
                 (fn [c]
                   (loop [last-status nil]
                     (let [st (try (node-status c id) (catch Throwable _ last-status))]
                       (cond (= "UP" st) {:up-after-ms (elapsed-ms t0)}
                             (> (elapsed-ms t0) bound-ms)
                             {:error (str via " does not report " id " UP after " bound-ms " ms (last: "
                                          (or st "not listed") ")")
                              :status-at-via st}
                             :else (do (Thread/sleep 500) (recur st)))))))
          self (with-node-client test n node (fn [c] {:self-status (try (node-status c id) (catch Throwable _ nil))}))]
      (merge {:listening-after-ms listening-ms} (select-keys self [:self-status]) seen))))

(defn- remove!
  "SIGKILL, then REMOVE sent to another member until it accepts (it refuses
  while it still sees the victim alive) and answers, which it does once the
  survivors re-replicated the victim's ranges (the victim is REMOVING until
  then). If that does not happen within --membership-timeout, the victim is
  restarted: its new generation ends the REMOVING and it stays a member."
  [test n d cluster {:keys [node id via]}]
  (let [t0 (System/nanoTime)
        bound-ms (* 1000 (:membership-timeout test))]
    (db/kill! d node)
    (let [answer (with-node-client test n via
                   (fn [^io.ringkv.client.RingkvClient c]
                     (loop [tries 1]
                       (let [r (try {:result (.get (.removeNode c id) (max 1000 (- bound-ms (elapsed-ms t0)))
                                                   java.util.concurrent.TimeUnit/MILLISECONDS)}
                                    (catch Throwable t {:error (message t)}))]
                         (cond (:result r) (assoc r :removed? true :tries tries)
                               (> (elapsed-ms t0) bound-ms)
                               (let [listed (try (node-status c id) (catch Throwable _ :unknown))]
                                 (assoc r :tries tries :removed? (nil? listed) :status-at-via listed))
                               :else (do (Thread/sleep 1000) (recur (inc tries))))))))]
      (when-not (:removed? answer)
        (db/start! d node {:join (vec (remove #{node} (m/members @cluster)))}))
      (assoc answer :removed-after-ms (elapsed-ms t0)))))

(defn- verify-after
  "Adds to a membership change's result :verify, what VERIFY says right after
  it (asked of :via, or of another running member when :via is the node that
  left or was removed): {:keys :under-replicated :misplaced :unanswered}. It
  shows what the change itself left behind before anti-entropy repairs it:
  a bootstrap or LEAVE stream that missed keys, a REMOVE's lost copies."
  [test n d cluster {:keys [node via]} result]
  (let [asked (first (filter #(and (db/alive? d %) (not= % node) (db/port-open? ((:ip n) %) (:port test) 500))
                             (cons via (m/members @cluster))))]
    (if-not asked
      result
      (assoc result :verify
             (with-node-client test n asked
               (fn [^io.ringkv.client.RingkvClient c]
                 (try (let [^io.ringkv.client.VerifyResult r (.get (.verify c) wl/verify-timeout-ms
                                                                   java.util.concurrent.TimeUnit/MILLISECONDS)]
                        {:by asked :keys (.keys r) :under-replicated (.underReplicated r) :misplaced (.misplaced r)
                         :unanswered (vec (.unanswered r))})
                      (catch Throwable t {:by asked :error (message t)}))))))))

(defn- await-members!
  "Before a membership change: lets members restarted by a kill fault finish
  starting (up to 60 s each), so the change does not meet a node still booting."
  [d cluster]
  (doseq [x (m/members @cluster) :when (db/alive? d x)]
    (try (db/await-port! d x 60000) (catch Throwable t (log "member" x "not listening:" (.getMessage t))))))

(defn- system
  "The nemesis's effect functions over the real network and processes.
  `cluster` is the membership model the nemesis keeps (ringkv.jepsen.membership):
  restarts join through the other members, the final heal starts the members only."
  [test n d paused killed cluster]
  (let [others (fn [node] (vec (remove #{node} (m/members @cluster))))]
    {:partition! #(net/partition! n %)
     :heal! #(net/heal! n)
     :kill! (fn [node] (db/kill! d node) (swap! killed conj node))
     :start! (fn [node] (db/start! d node {:join (others node)}) (swap! killed disj node))
     :pause! (fn [node] (db/pause! d node) (swap! paused conj node))
     :resume! (fn [node] (db/resume! d node) (swap! paused disj node))
     ;; a wall-clock jump: the node is SIGKILLed and restarted (same data dir) with --clock-offset-ms;
     ;; the offset stays with the slot (kill restarts keep it) until the end of the fault sets it to 0
     :skew! (fn [node offset-ms]
              (db/kill! d node)
              (db/start! d node {:join (others node) :clock-offset-ms offset-ms}))
     :alive? (fn [node] (db/alive? d node))
     :leave! (fn [p] (await-members! d cluster) (verify-after test n d cluster p (leave! test n d p)))
     :join! (fn [p] (await-members! d cluster) (verify-after test n d cluster p (join! test n d p)))
     :remove! (fn [p] (await-members! d cluster) (verify-after test n d cluster p (remove! test n d cluster p)))
     :heal-all! (fn []
                  (net/heal! n)
                  (doseq [x @paused] (db/resume! d x))
                  (reset! paused #{})
                  (doseq [x (m/members @cluster)]
                    (when-not (db/alive? d x)
                      (when-not (@killed x) (log "member" x "(" (db/id-of d x) ") had stopped on its own; restarting it"))
                      (db/start! d x {:join (others x)})))
                  (reset! killed #{})
                  (doseq [x (m/members @cluster)] (db/await-port! d x 60000)))}))

(defn- await-cluster!
  "Waits for every node to listen (and, with real nodes, for the first to know them all)."
  [test n d nodes]
  (doseq [x nodes] (db/await-port! d x 60000))
  (when-not (:dummy-nodes test)
    (let [deadline (+ (System/currentTimeMillis) 60000)]
      (with-open [c (wl/connect test (map (:ip n) nodes) (:port test) 0)]
        (loop []
          (let [info (try @(.info c) (catch Throwable t nil))
                k (if info (count (.nodes ^io.ringkv.client.ClusterInfo info)) 0)]
            (cond (>= k (count nodes)) (log "cluster formed:" k "nodes")
                  (> (System/currentTimeMillis) deadline) (log "WARNING: cluster has" k "of" (count nodes) "nodes after 60 s; going on")
                  :else (do (Thread/sleep 1000) (recur)))))))))

(defn- poll-placement!
  "After the replicas agree: VERIFY from one node every 2 s until every key is on
  exactly its owners (and every node answered) or the placement bound, counted
  from the heal, passes; at least one poll. The placement checker reads the
  :verify ops."
  [test rec do-op! healed]
  (let [bound-ns (* 1000000000 (:placement-bound test))]
    (loop []
      (let [c (do-op! {:f :verify :value nil})
            v (:value c)
            clean? (and (= :ok (:type c)) (zero? (:under-replicated v)) (zero? (:misplaced v))
                        (empty? (:unanswered v)) (not (:truncated v)))]
        (when (and (not clean?) (< (- (h/now rec) healed) bound-ns))
          (Thread/sleep 2000)
          (recur))))))

(defn run-phases!
  "The test proper, on hosts already up: workers and the nemesis schedule until
  the time limit, the final heal, the replica polls, the placement polls, the
  rest of the quiet period and the final reads. `sys` is the nemesis's effect map
  (its :cluster, an atom, is the membership model; without one every node is
  a member); tests pass fakes, and a :client-factory (fn [worker-id] client)
  in test replaces the real client."
  [test rec hosts nodes sys]
  (h/restart-clock! rec)
  (let [gen (wl/generator (:workload test) test)
        deadline (+ (h/now rec) (* 1000000000 (:time-limit test)))
        rng (java.util.Random. (:seed test))
        workers (doall (for [i (range (:concurrency test))]
                         (future (worker test rec gen hosts i deadline))))
        nemesis (future
                  (when (seq (:nemesis test))
                    (nem/run-schedule! sys #(h/record! rec %) nodes
                                       {:faults (:nemesis test) :rng rng :cluster (:cluster sys)
                                        :replication-factor (:replication-factor test)
                                        :same-id? (:rejoin-same-id test)
                                        :calm-ms (* 1000 (:calm test)) :fault-ms (* 1000 (:fault test))
                                        :clock-skew-ms (:clock-skew-ms test)
                                        :sleep! (fn [ms] (let [left (/ (- deadline (h/now rec)) 1e6)]
                                                           (Thread/sleep (long (max 0 (min ms left))))))
                                        :done? #(>= (h/now rec) deadline)})))]
    (log "running" (:workload test) "for" (:time-limit test) "s with faults" (sort (:nemesis test)))
    (doseq [w workers] @w)
    @nemesis
    (log "final heal; replica polls, placement polls, at least" (:quiet test) "s quiet, then final reads")
    (nem/heal-all! sys #(h/record! rec %))
    (if (:dummy-nodes test)
      (do (Thread/sleep (* 1000 (:quiet test))) (log "dummy nodes: no final reads"))
      (let [healed (h/now rec)
            {:keys [client do-op!]} (final-client test rec hosts (+ 1000000 (:concurrency test)))]
        (try
          (poll-convergence! test rec do-op!)
          (log "placement: VERIFY until every key is on exactly its owners, at most" (:placement-bound test) "s from the heal")
          (poll-placement! test rec do-op! healed)
          (let [left-ms (- (* 1000 (:quiet test)) (/ (- (h/now rec) healed) 1e6))]
            (when (pos? left-ms) (Thread/sleep (long left-ms))))
          (log "final reads at R=" (:replication-factor test))
          (final-reads! test do-op!)
          (finally (.close ^java.lang.AutoCloseable client)))))))

(defn placement-mode
  "How the placement checker counts: :strict with --check-placement (misplaced
  and under-replicated keys fail the run), :off with --no-check-placement
  (it only reports).
  By default :strict when the run changes membership (its nemesis has
  membership, or a rechecked history has :leave/:join/:remove ops): LEAVE,
  bootstrap and REMOVE promise N copies after they finish, and former owners
  hand over, then drop, what they no longer own (the node's cleanup, after
  --cleanup-settle-ms). Otherwise :off: runs without membership changes keep
  their verdicts."
  [opts history]
  (let [flag (:check-placement opts)
        membership? (or (contains? (set (:nemesis opts)) :membership)
                        (some #(h/membership-fs (:f %)) (filter h/nemesis-op? history)))]
    (cond (true? flag) :strict
          (false? flag) :off
          membership? :strict
          :else :off)))

(defn check-opts
  "The checkers' options from the CLI options (or test map) and the history."
  [opts history]
  {:bound-ms (* 1000 (:convergence-bound opts 30))
   :min-availability (:min-availability opts 0.0)
   :strict? (:strict-deletes opts)
   :placement (placement-mode opts history)
   :placement-bound-ms (* 1000 (:placement-bound opts 60))})

(defn run-test!
  "Runs one test; returns {:results r :dir store-dir}. Cleans up on any exit."
  [opts]
  (let [seed (or (:seed opts) (System/currentTimeMillis))
        tname (test-name opts)
        dir (io/file (or (:store opts) (io/file (home) "store")) tname (timestamp))
        test (merge {:placement-bound 60 :membership-timeout 120 :spare-nodes 1}
                    opts {:seed seed :name tname :store-dir dir
                          :port (:port opts)
                          :op-timeout-ms (:op-timeout opts)
                          :unsafe-lww? (:unsafe-last-write-wins opts)
                          :data-root (io/file dir "data")
                          :cluster-name (str "jepsen-" (mod seed 100000))
                          :node-command (when (:dummy-nodes opts) db/dummy-command)})
        spares (if (contains? (:nemesis opts) :membership) (:spare-nodes opts 1) 0)
        n (net/net {:prefix (:net-prefix opts "rkv") :subnet (:subnet opts "198.18.0")
                    :node-count (+ (:nodes opts) spares)})
        test (assoc test :security (sec/prepare! opts (:nodes n) (:ip n) dir))
        initial (vec (take (:nodes opts) (:nodes n)))
        cluster (atom (m/cluster (:nodes n) (:nodes opts)))
        d (db/db test n)
        rec (h/recorder)
        teardown (let [done (atom false)]
                   (fn [] (when (compare-and-set! done false true)
                            (log "teardown: killing nodes, removing namespaces")
                            (try (db/stop-all! d) (catch Throwable _))
                            (try (net/cleanup! (:prefix n)) (catch Throwable _)))))
        hook (Thread. ^Runnable (fn []
                                  ;; Ctrl-C or kill: clean up, and keep what was recorded.
                                  (teardown)
                                  (let [f (io/file dir "history.edn")]
                                    (when-not (.exists f)
                                      (h/write-edn! (h/ops rec) f)
                                      (log "interrupted; partial history in" (str f))))))]
    (.mkdirs dir)
    (.addShutdownHook (Runtime/getRuntime) hook)
    (log "test" tname "seed" seed "->" (str dir))
    (try
      (net/setup! n)
      (doseq [x initial]
        (db/start! d x {:join (if (= x (first initial)) [] [(first initial)])})
        (when (= x (first initial)) (db/await-port! d x 60000)))
      (await-cluster! test n d initial)
      ;; clients know every slot's address, spares included: they find the members that run
      (run-phases! test rec (map (:ip n) (:nodes n)) initial
                   (assoc (system test n d (atom #{}) (atom #{}) cluster) :cluster cluster))
      (finally
        (teardown)
        (try (.removeShutdownHook (Runtime/getRuntime) hook) (catch IllegalStateException _))))
    (let [history (h/ops rec)
          _ (h/write-edn! history (io/file dir "history.edn"))
          results (checker/check (:workload test) history (check-opts test history))
          png (plot/plot! history dir)
          results (assoc results :plot png
                         :test (select-keys test [:name :workload :nemesis :time-limit :nodes :spare-nodes
                                                  :concurrency :replication-factor :seed :unsafe-lww?
                                                  :dummy-nodes :rejoin-same-id :clock-skew-ms :node-args :tls :auth]))]
      (h/write-results! results (io/file dir "results.edn"))
      {:results results :dir dir})))

(defn recheck!
  "Checks a stored history again and redraws its plot; writes results.edn."
  [opts]
  (let [dir (io/file (:recheck opts))
        history (h/read-edn (io/file dir "history.edn"))
        results (checker/check (:workload opts) history (check-opts opts history))
        results (assoc results :plot (plot/plot! history dir))]
    (h/write-results! results (io/file dir "results.edn"))
    {:results results :dir dir}))

(defn summarize [results]
  (with-out-str
    (pprint/pprint (-> results
                       (update :latency select-keys [:all])
                       (update :availability select-keys [:overall :calm])
                       (update :convergence dissoc :results)
                       (update :set #(when % (dissoc % :results)))
                       (update :siblings #(when % (dissoc % :results)))
                       (update :availability assoc :faults-by-kind
                               (into (sorted-map)
                                     (for [[k ws] (group-by :fault (get-in results [:availability :faults]))]
                                       [k (let [ops (reduce + (keep :ops ws)) ok (reduce + (keep :ok ws))]
                                            {:windows (count ws) :ops ops
                                             :availability (when (pos? ops) (double (/ ok ops)))})])))
                       (dissoc :test)))))

(defn -main [& args]
  (let [{:keys [options errors summary] :as parsed} (cli/parse-opts args cli-options)]
    (cond
      (:help options) (do (println "usage: jepsen/bin/run [options]\n" summary) (System/exit 0))
      (seq errors) (do (binding [*out* *err*] (run! println errors) (println summary)) (System/exit 2)))
    (let [code
          (try
            (cond
              (:recheck options) nil
              (and (:dummy-nodes options) (contains? (:nemesis options) :membership))
              (throw (ex-info "--dummy-nodes cannot LEAVE, join or REMOVE: drop membership from --nemesis" {}))
              (not (net/root?)) (throw (ex-info "must run as root (network namespaces, iptables)" {}))
              (seq (net/tools-missing)) (throw (ex-info (str "missing: " (str/join ", " (net/tools-missing))
                                                             "; apt-get install -y iproute2 iptables") {}))
              (and (not (:dummy-nodes options)) (not (.isFile (io/file (:jar options)))) (not (db/node-classpath)))
              (throw (ex-info (str "node jar not found: " (:jar options) " (build: ./mvnw -B -ntp package -pl dist -am -DskipTests)") {})))
            (when-not (.isFile (io/file (:jar options)))
              (log "no" (:jar options) "; nodes run io.ringkv.node.NodeMain from the Maven classpath"))
            (let [{:keys [results dir]} (if (:recheck options)
                                          (recheck! options)
                                          (run-test! options))]
              (println (summarize results))
              (println "store:" (str dir))
              (println (if (:valid? results) "Everything looks good! ヽ(‘ー`)ノ" "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"))
              (if (:valid? results) 0 1))
            (catch Throwable t
              (binding [*out* *err*]
                (println "harness error:" (.getMessage t))
                (.printStackTrace t))
              2))]
      (shutdown-agents)
      (System/exit code))))
