(ns ringkv.jepsen.membership
  "The membership nemesis's model of the cluster, pure: which slots (network
  namespaces) host a member, which are free, and which node id each slot runs
  or ran. The nemesis plans a :leave, :join or :remove from it and updates it
  from what the effect reported, as Jepsen's membership nemesis packages keep
  their own view of the cluster next to the real one.

  A slot is a namespace with a fixed address (n1 .. n<nodes+spares>). Its
  first node has the slot's name as id; a node that joins a slot again after a
  leave or remove is brand new (wiped data dir) and gets a new id, n2 -> n2b ->
  n2c, because a fresh data dir restarts the gossip generation at 1 and the
  cluster still holds the old id's LEFT/REMOVED state at a higher
  (generation, version): the same id would be ignored by its peers (jepsen/
  README.md, 'Rejoining with the same id'). :same-id? true reuses the slot's
  id anyway, to test a node that fixes that.")

(defn cluster
  "The initial model: the first `initial` slots are members, the rest spare."
  [slots initial]
  {:slots   (vec slots)
   :members (set (take initial slots))
   :ids     (into {} (for [s slots] [s s]))
   :lives   (into {} (for [s slots] [s (if (some #{s} (take initial slots)) 1 0)]))})

(defn members
  "Member slots, sorted."
  [c]
  (vec (sort (:members c))))

(defn free-slots
  "Slots with no member: spares never started, and slots whose node left or was removed."
  [c]
  (vec (remove (:members c) (:slots c))))

(defn id-of [c slot] (get (:ids c) slot))

(defn next-id
  "The id of the next node to start in `slot`: the slot's name for its first
  life, then n2b, n2c, ... (n2-27 beyond z); the current id when same-id?."
  [c slot same-id?]
  (let [lives (get (:lives c) slot 0)]
    (cond (zero? lives) slot
          same-id? (id-of c slot)
          (< lives 26) (str slot (char (+ (int \a) lives)))
          :else (str slot "-" (inc lives)))))

(defn- pick [^java.util.Random rng xs]
  (nth xs (.nextInt rng (count xs))))

(defn plan
  "The next membership change, or nil when none keeps the cluster at >= n
  members: {:f :leave|:join|:remove :node slot :id id :via slot ...}.
  :via is the member the harness sends the request to: for :leave the leaving
  node itself (LEAVE decommissions the node it is sent to), for :remove always
  another member (the victim is dead, and a node refuses to remove itself).
  A :join carries :join, the member slots the new node is told to join, and
  :via, the member that must come to see it UP."
  [^java.util.Random rng c n same-id?]
  (let [ms (members c)
        free (free-slots c)
        kinds (cond-> [] (> (count ms) (max n 1)) (into [:leave :remove]) (and (seq free) (seq ms)) (conj :join))]
    (when (seq kinds)
      (case (pick rng kinds)
        :leave (let [s (pick rng ms)]
                 {:f :leave :node s :id (id-of c s) :via s})
        :remove (let [s (pick rng ms)
                      via (pick rng (vec (remove #{s} ms)))]
                  {:f :remove :node s :id (id-of c s) :via via})
        :join (let [s (pick rng free)]
                {:f :join :node s :id (next-id c s same-id?) :join ms :via (pick rng ms)})))))

(defn after
  "The model after `p` ran; `result` is what the effect reported and `alive?`
  says whether a slot's process runs now. A slot stays a member exactly when
  its process runs (:leave, :join) or the cluster did not confirm the removal
  (:remove, result :removed? true). After a :leave every other member must
  still run: one that stopped left with it (:collateral) and is dropped too."
  [c p result alive?]
  (let [s (:node p)]
    (case (:f p)
      :leave (let [gone (set (remove alive? (:members c)))]
               (update c :members #(reduce disj % gone)))
      :remove (if (:removed? result) (update c :members disj s) c)
      :join (cond-> (-> c
                        (assoc-in [:ids s] (:id p))
                        (update-in [:lives s] (fnil inc 0)))
              (alive? s) (update :members conj s)))))
