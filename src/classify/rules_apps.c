/*
 * rules_apps.c - the names rules may use for apps and nDPI risks, and
 * their numbers, for nDPI 4.2 (Debian 12's libndpi4.2).
 *
 * Why a table here and not a call into nDPI: a rule file must be checked
 * (--check-rules) without building an nDPI detection module, and names
 * must become numbers at load time so that matching compares bits.  The
 * app table is nDPI 4.2's protocol list in id order (ndpiReader -a 0,
 * id 0 = "Unknown"); the risk names are ndpi_risk_enum without the NDPI_
 * prefix, in lower case, in enum order (ndpi_typedefs.h).  Both are
 * checked against the installed libndpi by tests/unit/test_rules_apps.c,
 * so an nDPI upgrade that renumbers them fails the build's tests rather
 * than silently matching the wrong protocol.
 */
#include <stddef.h>
#include <strings.h>

#include "rules_int.h"

static const char *const app_names[] = {
	"Unknown", "FTP_CONTROL", "POP3", "SMTP", "IMAP", "DNS", "IPP",
	"HTTP", "MDNS", "NTP", "NetBIOS", "NFS", "SSDP", "BGP", "SNMP",
	"XDMCP", "SMBv1", "Syslog", "DHCP", "PostgreSQL", "MySQL",
	"Hotmail", "Direct_Download_Link", "POPS", "AppleJuice",
	"DirectConnect", "ntop", "COAP", "VMware", "SMTPS", "DTLS",
	"UBNTAC2", "Kontiki", "OpenFT", "FastTrack", "Gnutella",
	"eDonkey", "BitTorrent", "SkypeCall", "Signal", "Memcached",
	"SMBv23", "Mining", "NestLogSink", "Modbus", "WhatsAppCall",
	"DataSaver", "Xbox", "QQ", "TikTok", "RTSP", "IMAPS",
	"IceCast", "CPHA", "PPStream", "Zattoo", "ShoutCast",
	"Sopcast", "Discord", "TVUplayer", "MongoDB", "QQLive",
	"Thunder", "OCSP", "FREE_64", "IRC", "Ayiya", "Jabber", "Nats",
	"AmongUs", "Yahoo", "DisneyPlus", "GooglePlus", "VRRP",
	"Steam", "HalfLife2", "WorldOfWarcraft", "Telnet", "STUN",
	"IPsec", "GRE", "ICMP", "IGMP", "EGP", "SCTP", "OSPF",
	"IP_in_IP", "RTP", "RDP", "VNC", "Tumblr", "TLS", "SSH",
	"Usenet", "MGCP", "IAX", "TFTP", "AFP", "Stealthnet", "Aimini",
	"SIP", "TruPhone", "ICMPV6", "DHCPV6", "Armagetron",
	"Crossfire", "Dofus", "Fiesta", "Florensia", "Guildwars",
	"AmazonAlexa", "Kerberos", "LDAP", "MapleStory", "MsSQL-TDS",
	"PPTP", "Warcraft3", "WorldOfKungFu", "Slack", "Facebook",
	"Twitter", "Dropbox", "GMail", "GoogleMaps", "YouTube",
	"Skype_Teams", "Google", "DCE_RPC", "NetFlow", "sFlow",
	"HTTP_Connect", "HTTP_Proxy", "Citrix", "NetFlix", "LastFM",
	"Waze", "YouTubeUpload", "Hulu", "CHECKMK", "AJP", "Apple",
	"Webex", "WhatsApp", "AppleiCloud", "Viber", "AppleiTunes",
	"Radius", "WindowsUpdate", "TeamViewer", "Tuenti",
	"LotusNotes", "SAP", "GTP", "WSD", "LLMNR", "RemoteScan",
	"Spotify", "Messenger", "H323", "OpenVPN", "NOE", "CiscoVPN",
	"TeamSpeak", "Tor", "CiscoSkinny", "RTCP", "RSYNC", "Oracle",
	"Corba", "UbuntuONE", "Whois-DAS", "Collectd", "SOCKS",
	"Nintendo", "RTMP", "FTP_DATA", "Wikipedia", "ZeroMQ",
	"Amazon", "eBay", "CNN", "Megaco", "Redis", "Pinterest",
	"VHUA", "Telegram", "Vevo", "Pandora", "QUIC", "Zoom", "EAQ",
	"Ookla", "AMQP", "KakaoTalk", "KakaoTalk_Voice", "Twitch",
	"DoH_DoT", "WeChat", "MPEG_TS", "Snapchat", "Sina(Weibo)",
	"GoogleHangoutDuo", "IFLIX", "Github", "BJNP", "Reddit",
	"WireGuard", "SMPP", "DNScrypt", "TINC", "Deezer", "Instagram",
	"Microsoft", "Starcraft", "Teredo", "HotspotShield", "IMO",
	"GoogleDrive", "OCS", "Microsoft365", "Cloudflare",
	"MS_OneDrive", "MQTT", "RX", "AppleStore", "OpenDNS", "Git",
	"DRDA", "PlayStore", "SOMEIP", "FIX", "Playstation",
	"Pastebin", "LinkedIn", "SoundCloud", "CSGO", "LISP",
	"Diameter", "ApplePush", "GoogleServices", "AmazonVideo",
	"GoogleDocs", "WhatsAppFiles", "TargusDataspeed", "DNP3",
	"IEC60870", "Bloomberg", "CAPWAP", "Zabbix", "s7comm", "Teams",
	"WebSocket", "AnyDesk", "SOAP", "AppleSiri", "SnapchatCall",
	"HP_VIRTGRP", "GenshinImpact", "Activision", "FortiClient",
	"Z39.50", "Likee", "GitLab", "AVASTSecureDNS", "Cassandra",
	"AmazonAWS", "Salesforce", "Vimeo", "FacebookVoip",
	"SignalVoip", "Fuze", "GTP_U", "GTP_C", "GTP_PRIME", "Alibaba",
	"Crashlytics", "Azure", "iCloudPrivateRelay", "EthernetIP",
	"Badoo", "AccuWeather", "GoogleClassroom",
};

static const char *const risk_names[] = {
	"no_risk", "url_possible_xss", "url_possible_sql_injection",
	"url_possible_rce_injection", "binary_application_transfer",
	"known_protocol_on_non_standard_port",
	"tls_selfsigned_certificate", "tls_obsolete_version",
	"tls_weak_cipher", "tls_certificate_expired",
	"tls_certificate_mismatch", "http_suspicious_user_agent",
	"http_numeric_ip_host", "http_suspicious_url",
	"http_suspicious_header", "tls_not_carrying_https",
	"suspicious_dga_domain", "malformed_packet",
	"ssh_obsolete_client_version_or_cipher",
	"ssh_obsolete_server_version_or_cipher",
	"smb_insecure_version", "tls_suspicious_esni_usage",
	"unsafe_protocol", "dns_suspicious_traffic", "tls_missing_sni",
	"http_suspicious_content", "risky_asn", "risky_domain",
	"malicious_ja3", "malicious_sha1_certificate",
	"desktop_or_file_sharing_session", "tls_uncommon_alpn",
	"tls_cert_validity_too_long", "tls_suspicious_extension",
	"tls_fatal_alert", "suspicious_entropy",
	"clear_text_credentials", "dns_large_packet", "dns_fragmented",
	"invalid_characters", "possible_exploit",
	"tls_certificate_about_to_expire",
};

_Static_assert(sizeof(app_names) / sizeof(app_names[0]) <= RULES_APP_MAX,
    "RULES_APP_MAX too small for the nDPI protocol table");
_Static_assert(sizeof(risk_names) / sizeof(risk_names[0]) <= 64,
    "nDPI risks must fit the 64-bit ndpi_risk");

size_t
rules_app_count(void)
{
	return (sizeof(app_names) / sizeof(app_names[0]));
}

const char *
rules_app_name(size_t id)
{
	return (id < rules_app_count() ? app_names[id] : NULL);
}

int
rules_app_id(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < rules_app_count(); i++)
		if (strncasecmp(app_names[i], name, len) == 0 &&
		    app_names[i][len] == '\0')
			return ((int)i);
	return (-1);
}

size_t
rules_risk_count(void)
{
	return (sizeof(risk_names) / sizeof(risk_names[0]));
}

const char *
rules_risk_name(size_t id)
{
	return (id < rules_risk_count() ? risk_names[id] : NULL);
}

/* Risk 0 is "no risk": not a thing a rule can ask for. */
int
rules_risk_id(const char *name)
{
	size_t i;

	for (i = 1; i < rules_risk_count(); i++)
		if (strcasecmp(risk_names[i], name) == 0)
			return ((int)i);
	return (-1);
}
