(ns ringkv.jepsen.nemesis
  "Faults: partition grudges (pure), and a schedule that alternates calm and
  fault periods, then heals everything. The schedule drives a `system` map of
  effect functions, so it runs against real namespaces and processes or a fake.

  A grudge is {node #{nodes whose packets it drops}}, as in jepsen.nemesis.

  Faults act on the current members (ringkv.jepsen.membership): a partition
  splits them, kill and pause take a minority of them. The membership fault
  changes who they are; it is not undone at the end of its period, the
  cluster keeps its new shape."
  (:require [clojure.set :as set]
            [ringkv.jepsen.membership :as m]))

(defn majority [n] (inc (quot n 2)))

(defn- shuffled [^java.util.Random rng xs]
  (let [l (java.util.ArrayList. ^java.util.Collection (vec xs))]
    (java.util.Collections/shuffle l rng)
    (vec l)))

(defn complete-grudge
  "Every node drops traffic from every node outside its own component."
  [components]
  (let [cs (map set components)
        all (apply set/union cs)]
    (into {} (for [c cs n c] [n (set/difference all c)]))))

(defn halves
  "Two random halves (the smaller first) that cannot talk to each other."
  [rng nodes]
  (let [ns (shuffled rng nodes) k (quot (count ns) 2)]
    (complete-grudge [(take k ns) (drop k ns)])))

(defn isolate-one
  "One random node cut off from all the others."
  [rng nodes]
  (let [ns (shuffled rng nodes)]
    (complete-grudge [[(first ns)] (rest ns)])))

(defn majorities-ring
  "Nodes on a random ring; each sees itself and its nearest neighbours, a
  majority, and drops the rest; no two nodes see the same majority (for n >= 4)."
  [rng nodes]
  (let [u (set nodes) n (count nodes) m (majority n)
        ring (shuffled rng nodes)]
    (into {} (for [i (range n)]
               (let [window (set (for [d (range (- (quot m 2)) (- m (quot m 2)))]
                                   (ring (mod (+ i d) n))))]
                 [(ring i) (set/difference u window)])))))

(defn bridge
  "Two halves that cannot talk to each other directly, both connected to one
  bridge node in the middle."
  [rng nodes]
  (let [ns (shuffled rng nodes) mid (quot (count ns) 2)
        a (set (take mid ns)) b (set (drop (inc mid) ns))]
    (merge (into {} (for [x a] [x b]))
           (into {} (for [x b] [x a])))))

(def partition-kinds
  {:halves halves :isolate-one isolate-one :majorities-ring majorities-ring :bridge bridge})

;; --------------------------------------------------------------- schedule

(def clock-skew-ms-default
  "The largest clock jump of the clock fault: 5 minutes, beyond the 10 s fault window and, with
  --tombstone-grace-ms below it, beyond the grace."
  300000)

(defn fault-op
  "The details of a fault of kind f (random grudge or victims): {:fault f :value v}.
  :clock's value maps each victim to its clock offset in ms."
  ([rng nodes f] (fault-op rng nodes f clock-skew-ms-default))
  ([^java.util.Random rng nodes f clock-skew-ms]
  (let [minority (fn [] (let [k (inc (.nextInt rng (max 1 (quot (dec (count nodes)) 2))))]
                          (vec (sort (take k (shuffled rng nodes))))))]
    (case f
      :partition (let [kinds (vec (sort (keys partition-kinds)))
                       kind (kinds (.nextInt rng (count kinds)))]
                   {:fault :partition :value {:kind kind :grudge ((partition-kinds kind) rng nodes)}})
      :kill {:fault :kill :value (minority)}
      :pause {:fault :pause :value (minority)}
      ;; a wall-clock offset of a fifth of clock-skew-ms up to all of it (1-5 min by default),
      ;; ahead or behind, for each node of a minority
      :clock (let [lo (quot (long clock-skew-ms) 5)]
               {:fault :clock :value (into (sorted-map)
                                           (for [n (minority)]
                                             [n (* (if (.nextBoolean rng) 1 -1)
                                                   (+ lo (long (* (.nextDouble rng) (- (long clock-skew-ms) lo)))))]))})))))

(defn start-fault! [system {:keys [fault value]}]
  (case fault
    :partition ((:partition! system) (:grudge value))
    :kill (doseq [n value] ((:kill! system) n))
    :pause (doseq [n value] ((:pause! system) n))
    :clock (doseq [[n offset] value] ((:skew! system) n offset))))

(defn stop-fault! [system {:keys [fault value]}]
  (case fault
    :partition ((:heal! system))
    :kill (doseq [n value] ((:start! system) n))
    :pause (doseq [n value] ((:resume! system) n))
    :clock (doseq [[n _] value] ((:skew! system) n 0))))

(defn- nemesis-op!
  "Records a nemesis invocation and completion (both :info, as Jepsen does)
  around thunk; the completion's :value is what thunk returned."
  [record! f value thunk]
  (record! {:type :info :process :nemesis :f f :value value})
  (let [v (try (thunk) value
               (catch Throwable t {:error (str t) :value value}))]
    (record! {:type :info :process :nemesis :f f :value v})))

(def membership-effects
  "The system function that carries out each membership change."
  {:leave :leave! :join :join! :remove :remove!})

(defn membership-change!
  "Plans one membership change on the model in `cluster` (an atom), records
  it as Jepsen does (an :info invocation and an :info completion, :f :leave,
  :join or :remove), runs it through the system's :leave!, :join! or
  :remove! (which get the plan's :value and return a map of what happened,
  merged into the completion's :value), and updates the model from that and
  from (:alive? system). Returns the completion, or nil when no change keeps
  the cluster at >= n members. The completion's :value also has :members
  (the member slots after the change), :settle-ms (the fault period that
  follows, in which the cluster streams and repairs) and, when other members
  stopped along with a leaving node, :collateral."
  [system record! cluster {:keys [^java.util.Random rng replication-factor same-id? fault-ms]}]
  (when-let [p (m/plan rng @cluster replication-factor same-id?)]
    (let [f (:f p)
          v (dissoc p :f)]
      (record! {:type :info :process :nemesis :f f :value v})
      (let [result (try ((get system (membership-effects f)) v)
                        (catch Throwable t {:error (str t)}))
            before @cluster
            after (swap! cluster m/after p result (:alive? system))
            collateral (vec (sort (disj (set/difference (:members before) (:members after)) (:node p))))]
        (record! {:type :info :process :nemesis :f f
                  :value (cond-> (merge v result {:members (m/members after) :settle-ms (or fault-ms 0)})
                           (seq collateral) (assoc :collateral collateral))})))))

(defn run-schedule!
  "Alternates calm and fault periods until (deadline-reached?) is true; then
  undoes the fault in progress. `sleep!` is an input so tests can fake time.
  opts: :faults (set of :partition :kill :pause :membership), :calm-ms,
  :fault-ms, :rng; for :membership also :cluster (an atom holding the
  membership model; by default every node is a member and there is no spare),
  :replication-factor (never fewer members) and :same-id?."
  [system record! nodes {:keys [faults calm-ms fault-ms ^java.util.Random rng sleep! done? cluster clock-skew-ms]
                         :as opts}]
  ;; Kinds take turns (from a random one) so that even a short run sees each
  ;; enabled kind once: a 60 s smoke with partition,kill has both.
  (let [kinds (vec (sort faults))
        offset (.nextInt rng (count kinds))
        cluster (or cluster (atom (m/cluster nodes (count nodes))))]
  (loop [i 0]
    (when-not (done?)
      (sleep! calm-ms)
      (when-not (done?)
        (let [kind (kinds (mod (+ offset i) (count kinds)))]
          (if (= kind :membership)
            (do (membership-change! system record! cluster (assoc opts :rng rng))
                (sleep! fault-ms))
            (let [op (fault-op rng (m/members @cluster) kind (or clock-skew-ms clock-skew-ms-default))
                  start-f (keyword (str "start-" (name (:fault op))))
                  stop-f (keyword (str "stop-" (name (:fault op))))]
              (nemesis-op! record! start-f (:value op) #(start-fault! system op))
              (sleep! fault-ms)
              (nemesis-op! record! stop-f (:value op) #(stop-fault! system op))))
          (recur (inc i))))))))

(defn heal-all!
  "The final heal: drop every partition rule, resume every paused node, start
  every node that is down."
  [system record!]
  (nemesis-op! record! :heal-all nil #((:heal-all! system))))
