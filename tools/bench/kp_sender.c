/*
 * pcapd-kp-sender: the kernel path benchmark's load (tools/bench-kernel-path).
 * Sends COUNT IPv4/UDP frames of SIZE bytes on IFACE through an AF_PACKET
 * socket, in batches of sendmmsg(), at RATE frames per second (0: as fast
 * as it can), each carrying its sequence number, from DST_MAC's peer.
 * Prints the frames sent and the seconds it took.
 *
 * Usage: pcapd-kp-sender IFACE DST_MAC COUNT RATE SIZE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Frames per sendmmsg() call. */
#define SENDER_BATCH 64

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The IPv4 header checksum of the 20 bytes at `h`. */
static uint16_t ip_checksum(const uint8_t *h)
{
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Builds the frame of `size` bytes: 10.79.0.2:5000 -> 10.79.0.1:6000. */
static void build_frame(uint8_t *f, unsigned size, const uint8_t *dst_mac)
{
    static const uint8_t src_mac[6] = {0x02, 0, 0, 0, 0x79, 0x02};
    memset(f, 0, size);
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14, *udp = ip + 20;
    unsigned ip_len = size - 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, (uint8_t[]){10, 79, 0, 2}, 4);
    memcpy(ip + 16, (uint8_t[]){10, 79, 0, 1}, 4);
    uint16_t sum = ip_checksum(ip);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
    udp[0] = 5000 >> 8;
    udp[1] = 5000 & 0xff;
    udp[2] = 6000 >> 8;
    udp[3] = 6000 & 0xff;
    udp[4] = (uint8_t)((ip_len - 20) >> 8);
    udp[5] = (uint8_t)(ip_len - 20);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s IFACE DST_MAC COUNT RATE SIZE\n", argv[0]);
        return 2;
    }
    uint8_t dst[6];
    unsigned long count = strtoul(argv[3], NULL, 10);
    double rate = strtod(argv[4], NULL);
    unsigned size = (unsigned)strtoul(argv[5], NULL, 10);
    if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst[0], &dst[1], &dst[2], &dst[3],
               &dst[4], &dst[5]) != 6 ||
        size < 64 || size > 1514) {
        fprintf(stderr, "bad MAC or size (64 to 1514)\n");
        return 2;
    }
    int s = socket(AF_PACKET, SOCK_RAW, 0);
    struct sockaddr_ll addr = {.sll_family = AF_PACKET,
                               .sll_ifindex = (int)if_nametoindex(argv[1])};
    if (s < 0 || addr.sll_ifindex == 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t frames[SENDER_BATCH][1514];
    struct iovec iov[SENDER_BATCH];
    struct mmsghdr msgs[SENDER_BATCH];
    for (int i = 0; i < SENDER_BATCH; i++) {
        build_frame(frames[i], size, dst);
        iov[i] = (struct iovec){.iov_base = frames[i], .iov_len = size};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    double start = now_s();
    unsigned long sent = 0;
    while (sent < count) {
        unsigned n = count - sent < SENDER_BATCH ? (unsigned)(count - sent) : SENDER_BATCH;
        for (unsigned i = 0; i < n; i++) {
            /* The sequence number, after the UDP header. */
            uint32_t seq = htonl((uint32_t)(sent + i));
            memcpy(frames[i] + 14 + 20 + 8, &seq, 4);
        }
        if (rate > 0) {
            /* Sleep while the next batch is far off, spin the last bit. */
            double due = start + (double)sent / rate, wait;
            while ((wait = due - now_s()) > 0) {
                if (wait > 200e-6) {
                    struct timespec ts = {0, (long)((wait - 100e-6) * 1e9)};
                    nanosleep(&ts, NULL);
                }
            }
        }
        int r = sendmmsg(s, msgs, n, 0);
        if (r < 0 && errno != ENOBUFS && errno != EINTR) {
            perror("sendmmsg");
            return 1;
        }
        sent += r > 0 ? (unsigned)r : 0;
    }
    printf("sent %lu seconds %.6f\n", sent, now_s() - start);
    close(s);
    return 0;
}
