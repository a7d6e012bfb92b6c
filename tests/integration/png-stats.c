/*
 * png-stats.c — what a test needs to know about a picture that a real
 * tool (Chromium, pdftoppm) drew: its size, the share of pixels that are
 * not the background (the most common colour, to 4 bits a channel), and
 * how many pixels have each colour asked about, within a small tolerance
 * per channel.
 *
 *   png-stats FILE.png [RRGGBB ...]
 *   size 1280 2400
 *   ink 0.1834
 *   colour 0072b2 20113
 *
 * Exit status: 0, or 1 when the file is not a PNG cairo can read.
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOLERANCE 6

static int near(uint32_t px, unsigned r, unsigned g, unsigned b)
{
	int dr = (int)((px >> 16) & 0xff) - (int)r, dg = (int)((px >> 8) & 0xff) - (int)g, db = (int)(px & 0xff) - (int)b;
	return abs(dr) <= TOLERANCE && abs(dg) <= TOLERANCE && abs(db) <= TOLERANCE;
}

/* A colour's bucket in a coarse histogram: 4 bits a channel. */
static unsigned bucket(uint32_t px)
{
	return ((px >> 12) & 0xf00) | ((px >> 8) & 0xf0) | ((px >> 4) & 0xf);
}

/* The background: the most common bucket. */
static unsigned background(const uint32_t *px, size_t n)
{
	static unsigned hist[4096];
	memset(hist, 0, sizeof hist);
	for (size_t i = 0; i < n; i++)
		hist[bucket(px[i])]++;
	unsigned best = 0;
	for (unsigned k = 1; k < 4096; k++)
		if (hist[k] > hist[best])
			best = k;
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: png-stats FILE.png [RRGGBB ...]\n");
		return 2;
	}
	cairo_surface_t *s = cairo_image_surface_create_from_png(argv[1]);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "png-stats: %s: %s\n", argv[1], cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return 1;
	}
	/* Convert to one known layout: xRGB, 32 bits a pixel, no padding. */
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	cairo_surface_t *rgb = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(rgb);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_surface(cr, s, 0, 0);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_flush(rgb);
	size_t n = (size_t)w * (size_t)h;
	uint32_t *px = malloc(n * sizeof *px);
	if (!px)
		return 1;
	const unsigned char *data = cairo_image_surface_get_data(rgb);
	int stride = cairo_image_surface_get_stride(rgb);
	for (int y = 0; y < h; y++)
		memcpy(px + (size_t)y * (size_t)w, data + (size_t)y * (size_t)stride, (size_t)w * 4);
	unsigned bg = background(px, n);
	size_t ink = 0;
	for (size_t i = 0; i < n; i++)
		ink += bucket(px[i]) != bg;
	printf("size %d %d\nink %.4f\n", w, h, n ? (double)ink / (double)n : 0.0);
	for (int a = 2; a < argc; a++) {
		unsigned r, g, b;
		if (strlen(argv[a]) != 6 || sscanf(argv[a], "%2x%2x%2x", &r, &g, &b) != 3) {
			fprintf(stderr, "png-stats: '%s' is not RRGGBB\n", argv[a]);
			return 2;
		}
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += near(px[i], r, g, b);
		printf("colour %s %zu\n", argv[a], k);
	}
	free(px);
	cairo_surface_destroy(rgb);
	cairo_surface_destroy(s);
	return 0;
}
