/*
 * vsprintf.c: the kernel's printf formatting (also behind mm_snprintf).
 *
 * Supports flags "-0+ #", width and precision (numbers or *), lengths
 * hh h l ll z t j, conversions d i u o x X c s p %, and %pS for a kernel
 * address as symbol+offset/size. Like C99 snprintf it returns the length
 * the full output would have and always terminates a non-empty buffer.
 */
#include <printk.h>
#include <string.h>
#include <ksyms.h>

struct out {
	char *buf;
	size_t size;   /* capacity including the terminator */
	size_t len;    /* characters produced so far (may exceed size) */
};

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec;   /* prec < 0: none */
	int len;           /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_c(o, c);
}

static void out_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int n = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	if (!sp->left)
		out_pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_c(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - n);
}

/* Formats an unsigned magnitude with sign/prefix, precision and padding. */
static void out_num(struct out *o, const struct spec *sp, unsigned long long v,
		    bool neg, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8)
		prefix = "0";
	int plen = (int)strlen(prefix);
	int zeros = sp->prec > n ? sp->prec - n : 0;
	int pad = sp->width - plen - zeros - n;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		out_pad(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		out_c(o, prefix[i]);
	out_pad(o, '0', zeros);
	while (n)
		out_c(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-': sp->left = true; break;
		case '0': sp->zero = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		default: return f;
		}
	}
}

static const char *parse_int(const char *f, int *v, va_list *ap)
{
	if (*f == '*') {
		*v = va_arg(*ap, int);
		return f + 1;
	}
	*v = 0;
	while (*f >= '0' && *f <= '9')
		*v = *v * 10 + (*f++ - '0');
	return f;
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	f = parse_flags(f, sp);
	f = parse_int(f, &sp->width, ap);
	if (sp->width < 0) {
		sp->left = true;
		sp->width = -sp->width;
	}
	if (*f == '.')
		f = parse_int(f + 1, &sp->prec, ap);
	for (;; f++) {
		if (*f == 'l')
			sp->len++;
		else if (*f == 'h')
			sp->len--;
		else if (*f == 'z' || *f == 't' || *f == 'j')
			sp->len = 1;
		else
			return f;
	}
}

static unsigned long long arg_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->len >= 2)
		return va_arg(*ap, unsigned long long);
	if (sp->len == 1)
		return va_arg(*ap, unsigned long);
	unsigned v = va_arg(*ap, unsigned);
	return sp->len == -1 ? (unsigned short)v : sp->len <= -2 ? (unsigned char)v : v;
}

static long long arg_signed(const struct spec *sp, va_list *ap)
{
	if (sp->len >= 2)
		return va_arg(*ap, long long);
	if (sp->len == 1)
		return va_arg(*ap, long);
	int v = va_arg(*ap, int);
	return sp->len == -1 ? (short)v : sp->len <= -2 ? (signed char)v : v;
}

/* %p and %pS; returns the format position after any letter suffix. */
static const char *out_pointer(struct out *o, struct spec *sp, const char *f, va_list *ap)
{
	unsigned long p = (unsigned long)va_arg(*ap, void *);

	if (f[1] == 'S') {
		char sym[128];
		ksyms_format(p, sym, sizeof(sym));
		out_str(o, sp, sym);
		return f + 1;
	}
	sp->alt = true;
	if (!sp->width) {
		sp->width = 18;
		sp->zero = true;
	}
	out_num(o, sp, p, false, 16, false);
	return f;
}

static const char *out_conv(struct out *o, struct spec *sp, const char *f, va_list *ap)
{
	switch (*f) {
	case 'd': case 'i': {
		long long v = arg_signed(sp, ap);
		out_num(o, sp, v < 0 ? -(unsigned long long)v : (unsigned long long)v,
			v < 0, 10, false);
		break;
	}
	case 'u': out_num(o, sp, arg_unsigned(sp, ap), false, 10, false); break;
	case 'o': out_num(o, sp, arg_unsigned(sp, ap), false, 8, false); break;
	case 'x': out_num(o, sp, arg_unsigned(sp, ap), false, 16, false); break;
	case 'X': out_num(o, sp, arg_unsigned(sp, ap), false, 16, true); break;
	case 'c': {
		char s[2] = { (char)va_arg(*ap, int), 0 };
		sp->prec = -1;
		out_str(o, sp, s);
		break;
	}
	case 's': out_str(o, sp, va_arg(*ap, const char *)); break;
	case 'p': f = out_pointer(o, sp, f, ap); break;
	case '%': out_c(o, '%'); break;
	case '\0': return f - 1;
	default: out_c(o, '%'); out_c(o, *f); break;
	}
	return f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_c(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &aq);
		f = out_conv(&o, &sp, f, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
