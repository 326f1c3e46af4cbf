/*
 * vmscan.c: reclaim's engine (vmscan.h): the LRU hooks, eviction batches
 * through the rmap walk and the stores, the shrink of each node's lists by
 * the swappiness balance, and direct reclaim's and kswapd's decisions.
 *
 * Per node: every page goes to, and is taken from, the lruvec of its
 * frame's node (page_lruvec); a shrink works on one node's lruvec and
 * everything it evicts comes from there, so a node's kswapd never sees
 * another node's pages.
 *
 * Invariants: see vmscan.h. The TLB rule is kept here: young_one and
 * unmap_one change a PTE in place and flush it on the spot (young_one on
 * this CPU only: a stale accessed bit elsewhere loses accuracy, no data); file pages
 * are unmapped through pt_unmap, which flushes. Callers serialise.
 */
#include "vmscan.h"
#include "mm_port.h"

static struct page *frame_page(struct policy_frame *f)
{
	return container_of(f, struct page, user.pf);
}

_Static_assert(BUDDY_MAX_NODES <= PAGECACHE_NODE_MASK + 1, "a shadow entry must name every node");

/* The lists p belongs on: its frame's node's (its zone's node; the buddy
 * numbers nodes below nr_nodes, each of which has lists while vs->on). */
static struct lruvec *page_lruvec(struct vmscan *vs, const struct page *p)
{
	return vs->lv[vs->buddy->zones[p->zone].node];
}

/* List k of p's node. */
static struct policy *page_list(struct vmscan *vs, const struct page *p, enum lru_kind k)
{
	return &page_lruvec(vs, p)->lru[k];
}

static const struct vmscan_store_ops *anon_store(const struct vmscan *vs)
{
	return vs->store[LRU_ANON].ops;
}

static void *anon_ctx(const struct vmscan *vs)
{
	return vs->store[LRU_ANON].ctx;
}

static struct pt_space *space_pt(const struct vmscan *vs, struct mm *mm)
{
	return vs->spaces->pt(mm);
}

static unsigned walk(const struct vmscan *vs, struct page *p, rmap_fn fn, void *arg)
{
	return vs->spaces->walk(vs->spaces->ctx, p, fn, arg);
}

/* ---- accessed bits ----------------------------------------------------- */

/* What one harvest of a page's accessed bits found. */
struct young_ctx {
	const struct vmscan *vs;
	bool want_exec;         /* a file page: note executable mappings */
	bool young;
	bool exec;              /* accessed through an executable mapping */
};

static bool mapped_exec(const struct vmscan *vs, struct mm *mm, uint64_t va)
{
	const struct vma *v = vma_lookup(vs->spaces->vmas(mm), va);

	return v && (v->prot & VMA_EXEC);
}

/* Tests and clears one accessed bit (the policy's young callback's step). */
static bool young_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct young_ctx *c = arg;

	if (!(*pte & PTE_A))
		return true;
	*pte &= ~PTE_A;
	/* so the next access here sets it again; other CPUs' entries only hide
	 * their accesses until evicted (a shootdown per bit cost seconds a batch
	 * on SMP), and unmap_one flushes everywhere before the page can go */
	mm_tlb_flush_page_local(space_pt(c->vs, mm), va);
	c->young = true;
	c->exec |= c->want_exec && mapped_exec(c->vs, mm, va);
	return true;
}

/* The policies' young hook: harvests the accessed bits of f's mappings and
 * remembers a use of program text for evict_file. */
static bool frame_young(struct policy_frame *f, void *ctx)
{
	struct vmscan *vs = ctx;
	struct page *p = frame_page(f);
	struct young_ctx c = { .vs = vs, .want_exec = (p->flags & PG_FILE) != 0 };

	walk(vs, p, young_one, &c);
	if (c.exec)
		p->user.exec_referenced = 1;
	return c.young;
}

/* ---- LRU hooks --------------------------------------------------------- */

/*
 * Node nid's lists (at vs->lv[nid]) under ops with cfg, their young hook
 * vmscan's; vs->on once every node has them. Returns lruvec_init's.
 */
static int init_lruvec(struct vmscan *vs, unsigned nid, const struct policy_ops *ops,
		       const struct policy_config cfg[NR_LRU])
{
	struct policy_config mine[NR_LRU];
	int err;

	for (int k = 0; k < NR_LRU; k++) {
		mine[k] = cfg[k];
		mine[k].young = frame_young;
		mine[k].ctx = vs;
	}
	err = lruvec_init(vs->lv[nid], ops, mine);
	vs->lv[nid]->node = nid;
	if (!err)
		vs->nodes_ready |= 1u << nid;
	vs->on = vs->nodes_ready == (1u << vs->nr_nodes) - 1;
	return err;
}

int vmscan_init(struct vmscan *vs, const struct policy_ops *ops,
		const struct policy_config cfg[NR_LRU],
		const struct vmscan_store store[NR_LRU],
		const struct vmscan_spaces *spaces, const struct buddy *buddy)
{
	for (int k = 0; k < NR_LRU; k++)
		vs->store[k] = store[k];
	for (int e = 0; e < NR_VMSCAN_EVENTS; e++) {
		vs->own[e] = 0;
		vs->counter[e] = &vs->own[e];
	}
	vs->spaces = spaces;
	vs->buddy = buddy;
	list_init(&vs->unevictable);
	vs->nr_unevictable = 0;
	vs->nr_mlocked = 0;
	vs->swappiness = 60;
	vs->nr_nodes = MM_MIN(MM_MAX(buddy->nr_nodes, 1u), BUDDY_MAX_NODES);
	vs->nodes_ready = 0;
	for (unsigned n = 0; n < BUDDY_MAX_NODES; n++)
		vs->lv[n] = NULL;
	vs->lv[0] = &vs->node0;
	return init_lruvec(vs, 0, ops, cfg);
}

int vmscan_init_node(struct vmscan *vs, unsigned nid, struct lruvec *lv,
		     const struct policy_config cfg[NR_LRU])
{
	if (!(vs->nodes_ready & 1u) || nid == 0 || nid >= vs->nr_nodes || vs->lv[nid])
		return -MM_EINVAL;
	vs->lv[nid] = lv;
	return init_lruvec(vs, nid, vs->node0.lru[LRU_ANON].ops, cfg);
}

void vmscan_count_into(struct vmscan *vs, enum vmscan_event e, uint64_t *at)
{
	*at = *vs->counter[e];
	vs->counter[e] = at;
}

static void count(struct vmscan *vs, enum vmscan_event e, uint64_t n)
{
	*vs->counter[e] += n;
}

/* What publish sums over the nodes' lists. */
struct list_sums {
	uint64_t active[NR_LRU], inactive[NR_LRU];
	uint64_t activated, deactivated, rotated;
};

/* Adds node lv's list sizes and list moves to *s. */
static void add_lruvec(struct list_sums *s, const struct lruvec *lv)
{
	for (int k = 0; k < NR_LRU; k++) {
		uint64_t active, inactive;
		lruvec_sizes(lv, (enum lru_kind)k, &active, &inactive);
		s->active[k] += active;
		s->inactive[k] += inactive;
		s->activated += lv->lru[k].stats.activated;
		s->deactivated += lv->lru[k].stats.deactivated;
		s->rotated += lv->lru[k].stats.rotated;
	}
}

/* The gauges after a change of the lists: their sizes, the policies' list
 * moves, summed over the nodes (/proc/vmstat's and /proc/meminfo's). */
static void publish(struct vmscan *vs)
{
	struct list_sums s = { { 0 }, { 0 }, 0, 0, 0 };
	uint64_t **c = vs->counter;

	*c[VMSCAN_NR_UNEVICTABLE] = vs->nr_unevictable;
	*c[VMSCAN_NR_MLOCK] = vs->nr_mlocked;
	if (!vs->on)
		return;
	for (unsigned n = 0; n < vs->nr_nodes; n++)
		add_lruvec(&s, vs->lv[n]);
	*c[VMSCAN_NR_ACTIVE_ANON] = s.active[LRU_ANON];
	*c[VMSCAN_NR_INACTIVE_ANON] = s.inactive[LRU_ANON];
	*c[VMSCAN_NR_ACTIVE_FILE] = s.active[LRU_FILE];
	*c[VMSCAN_NR_INACTIVE_FILE] = s.inactive[LRU_FILE];
	*c[VMSCAN_PGACTIVATE] = s.activated;
	*c[VMSCAN_PGDEACTIVATE] = s.deactivated;
	*c[VMSCAN_PGROTATED] = s.rotated;
}

int vmscan_set_swappiness(struct vmscan *vs, uint64_t swappiness)
{
	if (swappiness > 200)
		return -MM_EINVAL;
	vs->swappiness = swappiness;
	return 0;
}

/*
 * The name a page keeps through eviction, for the policies with history
 * (policy.h): a hash of the space it belongs to and its page there
 * (anonymous: mm and address; file: inode and index). Never
 * POLICY_KEY_NONE.
 */
static uint32_t page_key(const void *space, uint64_t page)
{
	uint64_t h = ((uint64_t)(uintptr_t)space * 0x9e3779b97f4a7c15ull) ^ page;
	uint32_t k = (uint32_t)(h >> 32) ^ (uint32_t)h;

	return k == POLICY_KEY_NONE ? 1 : k;
}

void vmscan_page_mapped(struct vmscan *vs, struct page *p, struct mm *mm, uint64_t va)
{
	struct page_user *u = &p->user;

	if (!vs->on || !(p->flags & PG_ANON))
		return;
	u->mm = p->mapcount == 1 ? mm : NULL;
	if (policy_tracks(page_list(vs, p, LRU_ANON), &u->pf) || (p->flags & PG_MLOCKED))
		return;
	u->va = va;
	u->pf.key = page_key(mm, va >> MM_PAGE_SHIFT);
	policy_insert(page_list(vs, p, LRU_ANON), &u->pf);
	publish(vs);
}

void vmscan_page_freed(struct vmscan *vs, struct page *p)
{
	struct page_user *u = &p->user;
	bool listed = u->pf.owner || (p->flags & PG_MLOCKED);

	if (u->pf.owner)
		policy_remove(u->pf.owner, &u->pf);
	if (p->flags & PG_MLOCKED) {
		list_del(&u->pf.link);
		vs->nr_unevictable--;
		vs->nr_mlocked -= !(p->flags & PG_NOEVICT);
	}
	p->flags &= ~(PG_MLOCKED | PG_NOEVICT | PG_LAZYFREE);
	anon_store(vs)->drop_copy(anon_ctx(vs), p);
	if (listed)
		publish(vs);
}

void vmscan_page_accessed(struct vmscan *vs, struct page *p)
{
	struct page_user *u = &p->user;

	if (!u->pf.owner)
		return;
	policy_access(u->pf.owner, &u->pf);
	publish(vs);
}

/* The lists whose eviction left shadow (a shadow names its node); fallback
 * for one naming no node of ours. */
static const struct lruvec *shadow_lruvec(const struct vmscan *vs, uint32_t shadow,
					  const struct lruvec *fallback)
{
	unsigned nid = lruvec_shadow_node(shadow);

	return nid < vs->nr_nodes ? vs->lv[nid] : fallback;
}

/*
 * Puts a page filled from a file or from swap on its node's list and
 * counts a refault, judged on the clock of the node that evicted it
 * (nothing while the lists do not exist).
 */
static enum lruvec_fill insert_filled(struct vmscan *vs, enum lru_kind k, struct page *p,
				      uint32_t shadow)
{
	struct lruvec *lv;
	enum lruvec_fill fill;

	if (!vs->on)
		return LRUVEC_FILL_NEW;
	lv = page_lruvec(vs, p);
	fill = lruvec_insert_filled(lv, shadow_lruvec(vs, shadow, lv), k, &p->user.pf, shadow,
				    anon_store(vs)->present(anon_ctx(vs)));
	if (fill != LRUVEC_FILL_NEW) {
		count(vs, k == LRU_ANON ? VMSCAN_REFAULT_ANON : VMSCAN_REFAULT_FILE, 1);
		count(vs, VMSCAN_REFAULT, 1);
	}
	if (fill == LRUVEC_FILL_ACTIVATED)
		count(vs, k == LRU_ANON ? VMSCAN_ACTIVATE_ANON : VMSCAN_ACTIVATE_FILE, 1);
	publish(vs);
	return fill;
}

enum lruvec_fill vmscan_file_added(struct vmscan *vs, struct page *p, struct inode *ino,
				   uint64_t index, uint32_t shadow)
{
	struct page_user *u = &p->user;

	u->inode = ino;
	u->index = index;
	u->pf.key = page_key(ino, index);
	u->exec_referenced = 0;
	return insert_filled(vs, LRU_FILE, p, shadow);
}

enum lruvec_fill vmscan_anon_refault(struct vmscan *vs, struct page *p, struct mm *mm,
				     uint64_t va, uint32_t shadow)
{
	struct page_user *u = &p->user;

	u->va = va;
	u->mm = NULL;
	u->pf.key = page_key(mm, va >> MM_PAGE_SHIFT);  /* as vmscan_page_mapped names it */
	return insert_filled(vs, LRU_ANON, p, shadow);
}

/* ---- the unevictable list ---------------------------------------------- */

/* p onto the unevictable list; mlocked says whether a locked area is why
 * (else PG_NOEVICT: nothing could evict it). A page already there for
 * want of an evictor becomes mlocked when a locked area maps it. */
static void make_unevictable(struct vmscan *vs, struct page *p, bool mlocked)
{
	struct page_user *u = &p->user;

	if (p->flags & PG_MLOCKED) {
		if (!mlocked || !(p->flags & PG_NOEVICT))
			return;
		p->flags &= ~PG_NOEVICT;
		vs->nr_mlocked++;
		publish(vs);
		return;
	}
	if (u->pf.owner)
		policy_remove(u->pf.owner, &u->pf);
	p->flags |= PG_MLOCKED | (mlocked ? 0 : PG_NOEVICT);
	list_add_tail(&u->pf.link, &vs->unevictable);
	vs->nr_unevictable++;
	vs->nr_mlocked += mlocked;
	publish(vs);
}

void vmscan_page_mlock(struct vmscan *vs, struct page *p)
{
	make_unevictable(vs, p, true);
}

void vmscan_page_unevictable(struct vmscan *vs, struct page *p)
{
	make_unevictable(vs, p, false);
}

struct locked_ctx {
	const struct vmscan *vs;
	bool locked;            /* a mapping inside a locked area was found */
};

/* Stops the walk at a mapping inside a locked area. */
static bool locked_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct locked_ctx *c = arg;
	const struct vma *v = vma_lookup(c->vs->spaces->vmas(mm), va);

	(void)pte;
	c->locked = v && (v->flags & VMA_LOCKED);
	return !c->locked;
}

void vmscan_page_munlock(struct vmscan *vs, struct page *p)
{
	struct page_user *u = &p->user;
	struct locked_ctx c = { vs, false };

	if ((p->flags & (PG_MLOCKED | PG_NOEVICT)) != PG_MLOCKED)
		return;                 /* not mlocked, or nothing could evict it */
	walk(vs, p, locked_one, &c);
	if (c.locked)
		return;                 /* another locked area maps it */
	list_del(&u->pf.link);
	vs->nr_unevictable--;
	vs->nr_mlocked--;
	p->flags &= ~PG_MLOCKED;
	if (vs->on && (p->flags & (PG_ANON | PG_FILE)))
		policy_insert(page_list(vs, p, (p->flags & PG_ANON) ? LRU_ANON : LRU_FILE), &u->pf);
	publish(vs);
}

void vmscan_page_deactivate(struct vmscan *vs, struct page *p)
{
	struct policy *l = p->user.pf.owner;

	if (!l)
		return;
	policy_remove(l, &p->user.pf);
	policy_insert(l, &p->user.pf);
	publish(vs);
}

void vmscan_page_lazyfree(struct vmscan *vs, struct page *p)
{
	if (!(p->flags & PG_ANON) || (p->flags & PG_MLOCKED))
		return;
	anon_store(vs)->drop_copy(anon_ctx(vs), p);
	p->flags |= PG_LAZYFREE;
	vmscan_page_deactivate(vs, p);
}

/* ---- anonymous eviction ----------------------------------------------- */

struct evict_ctx {
	struct vmscan *vs;
	struct page *page;
	struct mm *skip;        /* a space whose PTEs must not change */
	uint64_t slot;
	bool busy;              /* skip maps the page, or an entry could not be made */
	bool dirty;             /* a mapping wrote it since its swap-in */
};

/* Victims on their way out: all of them, and those to write first;
 * lazily freed pages already dropped. */
struct evict_batch {
	unsigned n, nr_write, discarded;
	struct page *page[VMSCAN_BATCH];
	struct page *write[VMSCAN_BATCH];
};

static bool inspect_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct evict_ctx *c = arg;

	(void)va;
	c->busy |= mm == c->skip;
	c->dirty |= (*pte & PTE_D) != 0;
	return !c->busy;
}

/* Replaces one PTE of the page by its swap entry, flushed before the page can go. */
static bool unmap_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct evict_ctx *c = arg;
	const struct vmscan_spaces *s = c->vs->spaces;

	if (anon_store(c->vs)->entry_dup(anon_ctx(c->vs), c->slot)) {
		c->busy = true;
		return false;
	}
	*pte = s->swap_pte(c->slot);
	mm_tlb_flush_page(space_pt(c->vs, mm), va);
	s->unmapped(mm, LRU_ANON);
	rmap_remove(c->page);
	return true;
}

/* Drops one mapping of a lazily freed page, no entry left; pt_unmap flushes. */
static bool discard_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct evict_ctx *c = arg;

	(void)pte;
	if (pt_unmap(space_pt(c->vs, mm), va, MM_PAGE_SIZE))
		return false;
	c->vs->spaces->discarded(mm);
	rmap_remove(c->page);
	return true;
}

/*
 * A lazily freed page no mapping wrote since (Linux's lazyfree folio in
 * shrink_folio_list): unmapped everywhere and freed, not swapped. Returns
 * false when it stays: skip maps it, or a write made it an ordinary page
 * again (PG_LAZYFREE cleared).
 */
static bool discard_lazyfree(struct vmscan *vs, struct page *p, struct mm *skip)
{
	struct evict_ctx c = { .vs = vs, .page = p, .skip = skip };

	if (!vs->spaces->discarded || !anon_store(vs)->discard)
		return false;
	walk(vs, p, inspect_one, &c);
	if (c.dirty || anon_store(vs)->copy_slot(anon_ctx(vs), p))
		p->flags &= ~PG_LAZYFREE;
	if (c.busy || !(p->flags & PG_LAZYFREE))
		return false;
	walk(vs, p, discard_one, &c);
	if (p->mapcount)
		return false;           /* a mapping outside every space */
	anon_store(vs)->discard(anon_ctx(vs), p);
	count(vs, VMSCAN_PGLAZYFREED, 1);
	return true;
}

/*
 * Takes a victim into the batch: to be written unless the store holds a
 * clean copy, dropped at once if it is lazily freed and clean. Returns
 * false when skip maps it (it stays).
 */
static bool batch_add(struct vmscan *vs, struct evict_batch *b, struct page *p, struct mm *skip)
{
	struct evict_ctx c = { .vs = vs, .page = p, .skip = skip };
	const struct vmscan_store_ops *to = anon_store(vs);
	void *ctx = anon_ctx(vs);

	if ((p->flags & PG_LAZYFREE) && discard_lazyfree(vs, p, skip)) {
		b->discarded++;
		return true;
	}

	if (skip || to->copy_slot(ctx, p))           /* else nothing to learn */
		walk(vs, p, inspect_one, &c);
	if (c.busy)
		return false;
	if (c.dirty)
		to->drop_copy(ctx, p);  /* the copy in the store is stale */
	if (!to->copy_slot(ctx, p))
		b->write[b->nr_write++] = p;
	b->page[b->n++] = p;
	return true;
}

/* Replaces every mapping of a stored page by its entry and frees it. */
static bool unmap_and_free(struct vmscan *vs, struct page *p)
{
	struct evict_ctx c = { .vs = vs, .page = p,
			       .slot = anon_store(vs)->copy_slot(anon_ctx(vs), p) };

	if (!c.slot)
		return false;           /* its write failed */
	walk(vs, p, unmap_one, &c);
	if (p->mapcount)
		return false;           /* a slot count full, or a mapping outside every space */
	anon_store(vs)->evicted(anon_ctx(vs), p, lruvec_shadow(page_lruvec(vs, p)));
	return true;
}

/*
 * Writes, unmaps and frees the batch, victims of node lv's list; the
 * pages that stay go back on it.
 */
static unsigned long evict_batch(struct vmscan *vs, struct lruvec *lv, struct evict_batch *b)
{
	unsigned long freed = b->discarded;

	anon_store(vs)->write(anon_ctx(vs), b->write, b->nr_write);
	lruvec_note_cost(lv, LRU_ANON, (uint64_t)b->nr_write * LRUVEC_CLUSTER);
	for (unsigned i = 0; i < b->n; i++) {
		struct page *p = b->page[i];
		if (unmap_and_free(vs, p))
			freed++;
		else if (p->flags & PG_ANON)
			policy_insert(&lv->lru[LRU_ANON], &p->user.pf);
	}
	b->n = b->nr_write = b->discarded = 0;
	return freed;
}

static bool can_swap(const struct vmscan *vs)
{
	return anon_store(vs)->has_room(anon_ctx(vs));
}

/*
 * Fills a batch of up to want victims of node lv's anonymous list within
 * the budget; returns the victims scanned.
 */
static unsigned long fill_batch(struct vmscan *vs, struct lruvec *lv, struct evict_batch *b,
				unsigned long want, unsigned long budget, struct vmscan_skip skip)
{
	struct policy *l = &lv->lru[LRU_ANON];
	unsigned long scanned = 0;

	while (b->n + b->discarded < MM_MIN(VMSCAN_BATCH, want) && scanned < budget) {
		struct policy_frame *f = policy_victim(l);
		if (!f)
			break;
		scanned++;
		if (!batch_add(vs, b, frame_page(f), skip.anon))
			policy_insert(l, f);
	}
	return scanned;
}

/* Evicts up to nr anonymous pages of node lv's list to the store, in batches. */
static void shrink_anon(struct vmscan *vs, struct lruvec *lv, unsigned long nr,
			struct vmscan_skip skip, struct lruvec_scan *sc)
{
	unsigned long budget = lruvec_scan_budget(lv, LRU_ANON, nr), scanned = 0, freed = 0;
	struct evict_batch b = { 0 };

	while (freed < nr && scanned < budget && can_swap(vs)) {
		scanned += fill_batch(vs, lv, &b, nr - freed, budget - scanned, skip);
		if (!b.n && !b.discarded)
			break;
		freed += evict_batch(vs, lv, &b);
	}
	sc->scanned += scanned;
	sc->freed += freed;
}

/* ---- file eviction ----------------------------------------------------- */

struct file_evict {
	struct vmscan *vs;
	struct page *page;
	struct mm *skip;        /* a space whose PTEs must not change */
	bool busy;
	struct young_ctx young;
};

/* One mapping looked at: its accessed bit harvested, skip noted. */
static bool file_inspect_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct file_evict *c = arg;

	young_one(mm, pte, va, &c->young);
	c->busy |= mm == c->skip;
	return true;
}

/* Unmaps one mapping of a page-cache page; pt_unmap flushes and frees a table it empties. */
static bool file_unmap_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct file_evict *c = arg;

	(void)pte;
	if (pt_unmap(space_pt(c->vs, mm), va, MM_PAGE_SIZE))
		return false;
	c->vs->spaces->unmapped(mm, LRU_FILE);
	rmap_remove(c->page);
	return true;
}

/* FILE_RELISTED: the store could not take it and put it back on a list itself. */
enum file_verdict { FILE_DROPPED, FILE_KEPT, FILE_ACTIVATED, FILE_RELISTED };

/*
 * Drops a clean page-cache page: unmapped everywhere, shadow left, freed.
 * Program text used since reclaim last looked stays and is activated
 * (Linux's page_check_references for VM_EXEC file pages): without it a
 * task short of memory would evict the code it is about to run, and
 * without swap never get anywhere.
 */
static enum file_verdict evict_file(struct vmscan *vs, struct page *p, struct mm *skip)
{
	struct page_user *u = &p->user;
	struct file_evict c = { .vs = vs, .page = p, .skip = skip,
				.young = { .vs = vs, .want_exec = true } };

	if (p->flags & PG_LOCKED)
		return FILE_KEPT;               /* a fault is mapping it */
	walk(vs, p, file_inspect_one, &c);      /* fifo and random never look */
	if (u->exec_referenced || c.young.exec) {
		u->exec_referenced = 0;
		return FILE_ACTIVATED;
	}
	if (c.busy)
		return FILE_KEPT;
	walk(vs, p, file_unmap_one, &c);
	if (p->mapcount)
		return FILE_KEPT;       /* a mapping outside every space (a fork in progress) */
	return vs->store[LRU_FILE].ops->evicted(vs->store[LRU_FILE].ctx, p,
						lruvec_shadow(page_lruvec(vs, p))) ?
	       FILE_DROPPED : FILE_RELISTED;
}

/* Drops up to nr clean page-cache pages of node lv's list. */
static void shrink_file(struct vmscan *vs, struct lruvec *lv, unsigned long nr,
			struct vmscan_skip skip, struct lruvec_scan *sc)
{
	struct policy *l = &lv->lru[LRU_FILE];
	unsigned long budget = lruvec_scan_budget(lv, LRU_FILE, nr), scanned = 0, freed = 0;

	while (freed < nr && scanned < budget) {
		struct policy_frame *f = policy_victim(l);
		if (!f)
			break;
		scanned++;
		switch (evict_file(vs, frame_page(f), skip.file)) {
		case FILE_DROPPED:
			freed++;
			break;
		case FILE_KEPT:
			policy_insert(l, f);
			break;
		case FILE_ACTIVATED:
			policy_insert_hot(l, f);
			break;
		case FILE_RELISTED:
			break;
		}
	}
	sc->scanned += scanned;
	sc->freed += freed;
}

/* ---- madvise(MADV_PAGEOUT) ------------------------------------------------ */

/* Evicts one anonymous page off its list through a batch of one. */
static bool pageout_anon(struct vmscan *vs, struct page *p)
{
	struct evict_batch b = { 0 };

	if (!can_swap(vs))
		return false;
	policy_remove(p->user.pf.owner, &p->user.pf);
	if (!batch_add(vs, &b, p, NULL)) {
		policy_insert(page_list(vs, p, LRU_ANON), &p->user.pf);
		return false;
	}
	return evict_batch(vs, page_lruvec(vs, p), &b) == 1;    /* a failure puts it back */
}

/* Drops one page-cache page off its list; kept or activated ones go back. */
static bool pageout_file(struct vmscan *vs, struct page *p)
{
	struct policy *l = page_list(vs, p, LRU_FILE);

	policy_remove(l, &p->user.pf);
	switch (evict_file(vs, p, NULL)) {
	case FILE_DROPPED:
		return true;
	case FILE_KEPT:
		policy_insert(l, &p->user.pf);
		return false;
	case FILE_ACTIVATED:
		policy_insert_hot(l, &p->user.pf);
		return false;
	case FILE_RELISTED:
		return false;
	}
	return false;
}

bool vmscan_page_pageout(struct vmscan *vs, struct page *p)
{
	bool gone;

	if (!vs->on || !p->user.pf.owner)
		return false;
	gone = (p->flags & PG_ANON) ? pageout_anon(vs, p) : pageout_file(vs, p);
	publish(vs);
	return gone;
}

/* ---- balance and shrink ------------------------------------------------ */

uint64_t vmscan_free_pages(const struct vmscan *vs)
{
	return buddy_nr_free_pages(vs->buddy) + buddy_nr_pcp_pages(vs->buddy);
}

uint64_t vmscan_node_free_pages(const struct vmscan *vs, unsigned nid)
{
	uint64_t n = buddy_node_free_pages(vs->buddy, nid);

	for (unsigned t = 0; t < BUDDY_NR_ZONE_TYPES && nid < BUDDY_MAX_NODES; t++)
		for (int c = 0; c < MM_NR_CPUS; c++)
			n += vs->buddy->zones[nid * BUDDY_NR_ZONE_TYPES + t].pcp[c].count;
	return n;
}

/* Watermark w summed over zones [first, first + n) that have memory. */
static uint64_t wmark_sum(const struct vmscan *vs, unsigned first, unsigned n,
			  enum buddy_wmark w)
{
	uint64_t sum = 0;

	for (unsigned z = first; z < first + n && z < BUDDY_NR_ZONES; z++)
		sum += vs->buddy->zones[z].managed_pages ? vs->buddy->zones[z].wmark[w] : 0;
	return sum;
}

uint64_t vmscan_wmark_pages(const struct vmscan *vs, enum buddy_wmark w)
{
	return wmark_sum(vs, 0, BUDDY_NR_ZONES, w);
}

uint64_t vmscan_node_wmark_pages(const struct vmscan *vs, unsigned nid, enum buddy_wmark w)
{
	return wmark_sum(vs, nid * BUDDY_NR_ZONE_TYPES, BUDDY_NR_ZONE_TYPES, w);
}

/*
 * Linux's file_is_tiny (per node): the node's page cache and free memory
 * together are below its high marks, so its file list cannot balance its
 * zones, and scanning it would only rotate the few pages in use (program
 * text).
 */
static bool file_is_tiny(const struct vmscan *vs, unsigned nid)
{
	return vs->lv[nid]->lru[LRU_FILE].nr_frames + vmscan_node_free_pages(vs, nid) <=
	       vmscan_node_wmark_pages(vs, nid, BUDDY_WMARK_HIGH);
}

unsigned long vmscan_anon_share(const struct vmscan *vs, unsigned nid, unsigned long nr)
{
	struct lruvec_balance b = { .swappiness = vs->swappiness, .can_swap = can_swap(vs) };

	b.file_is_tiny = b.can_swap && vs->lv[nid]->lru[LRU_ANON].nr_frames &&
			 file_is_tiny(vs, nid);
	return lruvec_anon_share(vs->lv[nid], nr, &b);
}

static void add_scan(struct lruvec_scan *to, struct lruvec_scan n)
{
	to->scanned += n.scanned;
	to->freed += n.freed;
}

/* Counts one shrink of node lv's lists: scans and steals by list and by who asked. */
static void count_scan(struct vmscan *vs, struct lruvec *lv, const struct lruvec_scan sc[NR_LRU],
		       bool direct)
{
	struct lruvec_scan both = { sc[LRU_ANON].scanned + sc[LRU_FILE].scanned,
				    sc[LRU_ANON].freed + sc[LRU_FILE].freed };

	count(vs, direct ? VMSCAN_PGSCAN_DIRECT : VMSCAN_PGSCAN_KSWAPD, both.scanned);
	count(vs, direct ? VMSCAN_PGSTEAL_DIRECT : VMSCAN_PGSTEAL_KSWAPD, both.freed);
	count(vs, VMSCAN_PGSCAN_ANON, sc[LRU_ANON].scanned);
	count(vs, VMSCAN_PGSCAN_FILE, sc[LRU_FILE].scanned);
	count(vs, VMSCAN_PGSTEAL_ANON, sc[LRU_ANON].freed);
	count(vs, VMSCAN_PGSTEAL_FILE, sc[LRU_FILE].freed);
	add_scan(direct ? &lv->by_direct : &lv->by_kswapd, both);
	publish(vs);
}

struct lruvec_scan vmscan_shrink_node(struct vmscan *vs, unsigned nid, unsigned long nr,
				      bool direct, struct vmscan_skip skip)
{
	struct lruvec *lv = vs->lv[nid];
	struct lruvec_scan sc[NR_LRU] = { { 0, 0 } };
	unsigned long anon;

	MM_BUG_ON(nid >= vs->nr_nodes);
	anon = vmscan_anon_share(vs, nid, nr);
	shrink_file(vs, lv, nr - anon, skip, &sc[LRU_FILE]);
	shrink_anon(vs, lv, anon + (nr - anon - sc[LRU_FILE].freed), skip, &sc[LRU_ANON]);
	if (!sc[LRU_ANON].freed && sc[LRU_FILE].freed < nr)     /* anon gave nothing */
		shrink_file(vs, lv, nr - sc[LRU_FILE].freed, skip, &sc[LRU_FILE]);
	count_scan(vs, lv, sc, direct);
	/*
	 * Pages kept cost a rotation each (Linux's nr_rotated); a file page
	 * kept is program text in use or mapped by the faulting task, whose
	 * dropping would have been a refault's I/O, so it costs what one does.
	 */
	lruvec_note_scan(lv, sc);
	lruvec_age(lv, sc);
	return (struct lruvec_scan){ .scanned = sc[LRU_ANON].scanned + sc[LRU_FILE].scanned,
				     .freed = sc[LRU_ANON].freed + sc[LRU_FILE].freed };
}

/*
 * The node itself first (whatever nr is: one node shrinks as it always
 * did), then the nodes of its zonelist's zones in order while short; each
 * node once, none that skip keeps.
 */
struct lruvec_scan vmscan_shrink_nodes(struct vmscan *vs, unsigned nid, unsigned long nr,
				       bool direct, struct vmscan_skip skip)
{
	const struct buddy *b = vs->buddy;
	struct lruvec_scan sum = { 0, 0 };
	uint32_t done = skip.keep_nodes;
	unsigned n = nid = nid < vs->nr_nodes ? nid : 0;

	for (unsigned i = 0;; n = b->zones[b->zonelist[nid][i++]].node) {
		if (n < vs->nr_nodes && !(done & (1u << n))) {
			done |= 1u << n;
			add_scan(&sum, vmscan_shrink_node(vs, n, nr - sum.freed, direct, skip));
		}
		if (i >= b->nr_zonelist[nid] || sum.freed >= nr)
			return sum;
	}
}

struct lruvec_scan vmscan_shrink(struct vmscan *vs, unsigned long nr, bool direct,
				 struct vmscan_skip skip)
{
	return vmscan_shrink_nodes(vs, 0, nr, direct, skip);
}

/* ---- direct reclaim and kswapd ----------------------------------------- */

static bool can_reclaim(const struct vmscan *vs)
{
	for (unsigned n = 0; n < vs->nr_nodes; n++)
		if (vs->lv[n]->lru[LRU_FILE].nr_frames)
			return true;
	return can_swap(vs);
}

/*
 * The fault is judged as the allocation it may become. (Waking at low
 * itself never happened where min + the margin passes low, in small
 * guests: direct reclaim came first, every time.)
 */
struct vmscan_fault_plan vmscan_fault_plan(const struct vmscan *vs)
{
	struct vmscan_fault_plan plan = { false, 0, 0 };
	uint64_t free = vmscan_free_pages(vs);
	uint64_t min = vmscan_wmark_pages(vs, BUDDY_WMARK_MIN) + VMSCAN_FAULT_MARGIN;

	if (!vs->on)
		return plan;
	for (unsigned n = 0; n < vs->buddy->nr_nodes; n++)
		if (vmscan_node_free_pages(vs, n) <
		    vmscan_node_wmark_pages(vs, n, BUDDY_WMARK_LOW) + VMSCAN_FAULT_MARGIN)
			plan.wake_nodes |= 1u << n;
	plan.wake_kswapd = plan.wake_nodes != 0;
	if (free < min && can_reclaim(vs))
		plan.reclaim = min - free + LRUVEC_CLUSTER;
	return plan;
}

/* No compaction here: order-0 evictions rarely make a large block, so a
 * large request (fault-around's) gets one small round and falls back. */
unsigned long vmscan_direct_target(unsigned order)
{
	return order ? LRUVEC_CLUSTER / 4 : LRUVEC_CLUSTER;
}

/*
 * Looking again before user code runs would find every accessed bit just
 * cleared, and evict the working set the first look spared: one pass.
 */
enum vmscan_kswapd_stop vmscan_kswapd_balance(struct vmscan *vs, unsigned nid,
					      struct lruvec_scan *done)
{
	uint64_t high = vmscan_node_wmark_pages(vs, nid, BUDDY_WMARK_HIGH);
	const struct lruvec *lv = vs->lv[nid];
	uint64_t pass = lv->lru[LRU_ANON].nr_frames + lv->lru[LRU_FILE].nr_frames;
	const struct vmscan_skip skip = { NULL, NULL, 0 };
	unsigned long scanned = 0;

	while (vmscan_node_free_pages(vs, nid) < high) {
		if (scanned >= pass)
			return VMSCAN_KSWAPD_ONE_PASS;
		struct lruvec_scan round = vmscan_shrink_node(vs, nid, MM_MAX(LRUVEC_CLUSTER, high),
							      false, skip);
		done->scanned += round.scanned;
		done->freed += round.freed;
		if (!round.freed)
			return VMSCAN_KSWAPD_NO_PROGRESS;
		scanned += round.scanned;
	}
	return VMSCAN_KSWAPD_BALANCED;
}
