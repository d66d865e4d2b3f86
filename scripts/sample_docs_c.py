"""Sample corpus, part C (engineering, offices, company). Original writing for ragworks."""

DOCS = [
("code-review.md", "Code Review Guidelines", [
 ("Who reviews", [
  "Every change to a production repository needs approval from at least one reviewer who did not write it. Changes to safety-related firmware need two approvals, one of them from the safety team."]),
 ("Response time", [
  "Reviewers should respond within one working day. If a pull request waits longer, the author may ask in the team channel for another reviewer."]),
 ("What to look for", [
  "Reviewers check correctness, tests, readability and security. Keep pull requests under 400 changed lines where possible; large changes are split into a series of smaller ones."]),
]),
("on-call.md", "On-Call Rotation", [
 ("Rotation", [
  "Each platform team runs a weekly on-call rotation that changes on Monday at 10:00. An engineer is on call at most one week in five."]),
 ("Expectations", [
  "The on-call engineer acknowledges a page within 15 minutes, day or night, and keeps the laptop and phone within reach. Pages come through the PagerLine app."]),
 ("Compensation", [
  "On-call engineers receive an allowance of 350 euros per week on call. Time spent handling incidents outside working hours is compensated as overtime or time off in lieu, at the engineer's choice."]),
]),
("incident-response.docx", "Incident Response", [
 ("Severity levels", [
  "SEV1 means customers' robots cannot operate or data may have leaked. SEV2 means a major feature is degraded for many customers. SEV3 means a minor issue with a workaround."]),
 ("Roles", [
  "Every SEV1 and SEV2 incident has an incident commander, who coordinates the response, and a communications lead, who updates the status page every 30 minutes."]),
 ("After the incident", [
  "A blameless postmortem is written within five working days of every SEV1 and SEV2 incident, using the postmortem template. Action items are tracked until they are done."]),
]),
("release-process.md", "Release Process", [
 ("Cloud services", [
  "Cloud services are deployed continuously: every change merged to the main branch goes to staging automatically and to production after the automated checks pass and a canary runs for 30 minutes."]),
 ("Code freeze", [
  "There is a code freeze from December 15 to January 5. Only fixes for SEV1 and SEV2 incidents are deployed during the freeze, with approval from the engineering director."]),
 ("Version numbers", [
  "Firmware and the public API follow semantic versioning: major versions for breaking changes, minor versions for new features and patch versions for fixes."]),
]),
("postmortem-template.txt", "Postmortem Template", [
 ("Summary", [
  "Describe in two or three sentences what happened, how long it lasted and how many customers were affected."]),
 ("Timeline", [
  "List the key moments in UTC: when the problem started, when it was detected, when the incident was declared, when it was mitigated and when it was resolved."]),
 ("Root cause and actions", [
  "Explain the contributing causes without blaming individuals. List action items, each with an owner and a due date, that prevent the problem from happening again or detect it sooner."]),
]),
("branching-strategy.html", "Branching Strategy", [
 ("Trunk-based development", [
  "Teams work on short-lived branches created from main and merged back within two days. Long-running feature branches are avoided; unfinished features are hidden behind feature flags."]),
 ("Branch names", [
  "Branch names start with the ticket number, followed by a short description, for example LUM-1234-fix-dock-pairing."]),
 ("Protected branches", [
  "The main branch is protected: direct pushes are blocked, the CI pipeline must pass, and the branch must be up to date before merging."]),
]),
("ci-pipeline.pdf", "Continuous Integration Pipeline", [
 ("Stages", [
  "Every pull request runs four stages: lint, unit tests, integration tests and a security scan. Firmware changes additionally run on the hardware-in-the-loop test rig."]),
 ("Duration", [
  "The pipeline should finish within 20 minutes. Tests slower than 30 seconds are tagged and run in a nightly job instead of on every pull request."]),
 ("Flaky tests", [
  "A test that fails without a code change is marked flaky, moved to quarantine and assigned to the owning team, which must fix or delete it within two weeks."]),
]),
("api-versioning.md", "Public API Versioning", [
 ("Versions", [
  "The fleet API is versioned in the URL path, such as /v2/robots. The current version is v3; v2 is still supported, and v1 was retired in 2023."]),
 ("Deprecation", [
  "A major API version is supported for at least 18 months after its successor is released. Deprecated endpoints return a Sunset header with the retirement date."]),
 ("Rate limits", [
  "Each API key may send up to 100 requests per second. Requests above the limit receive HTTP status 429 with a Retry-After header."]),
]),
("office-berlin.md", "Berlin Office", [
 ("Location", [
  "The Berlin headquarters is at Hafenstrasse 12, close to the Ostkreuz train station. The office has four floors; the robotics lab is on the ground floor."]),
 ("Opening hours", [
  "The office is open from 7:00 to 21:00 on weekdays. Access outside these hours needs approval from facilities and is logged by the badge system."]),
 ("Facilities", [
  "The Berlin office has 40 meeting rooms, a roof terrace, showers on every floor and a bicycle garage with 120 spaces."]),
]),
("office-austin.html", "Austin Office", [
 ("Location", [
  "The Austin office is on the 9th floor of 500 Congress Avenue. It opened in 2021 and hosts the sales, customer success and field service teams for the Americas."]),
 ("Getting there", [
  "Parking is available in the building garage; validate your ticket at reception. The office is a five-minute walk from the Congress Avenue bus stops."]),
 ("Opening hours", [
  "The Austin office is open from 7:30 to 19:00 Central Time on weekdays and closed on US federal holidays."]),
]),
("cafeteria.txt", "Cafeteria", [
 ("Lunch", [
  "The Berlin cafeteria serves lunch from 11:30 to 14:00 on weekdays. Lunch is free for employees; guests pay 8 euros."]),
 ("Menu", [
  "There are three dishes every day, one of them vegan. The weekly menu is published in the intranet on Friday afternoon for the following week. Allergens are listed next to every dish."]),
 ("Coffee and snacks", [
  "Coffee, tea, fruit and snacks are free on every floor all day. Please return mugs to the kitchen trolleys."]),
]),
("parking.md", "Parking and Commuting", [
 ("Car parking", [
  "The Berlin office has 30 parking spaces, allocated by lottery every six months. Six spaces with charging points are reserved for electric cars and can be booked by the day."]),
 ("Bicycles", [
  "The bicycle garage is in the basement and is reached from the side entrance. Lockers and a repair station with tools and a pump are available."]),
 ("Public transport", [
  "Employees receive a free public transport pass. Alternatively, they can lease a bike through the benefits programme."]),
]),
("meeting-rooms.docx", "Meeting Rooms", [
 ("Booking", [
  "Meeting rooms are booked in the calendar. A booking is released automatically if nobody checks in on the room panel within ten minutes of the start."]),
 ("Equipment", [
  "Every room has a screen and a video conferencing bar. Rooms with more than eight seats also have a whiteboard camera."]),
 ("Large events", [
  "The auditorium on the fourth floor seats 150 people and is booked through facilities at least two weeks in advance for all-hands meetings and customer events."]),
]),
("visitor-policy.pdf", "Visitor Policy", [
 ("Registering visitors", [
  "Register visitors in the visitor system at least one day ahead. Visitors sign a non-disclosure agreement at reception and receive a guest badge that must be worn visibly."]),
 ("Escort", [
  "Visitors must be accompanied by their host at all times. Visitors may not enter the robotics lab without safety instructions and safety shoes, which reception can provide."]),
 ("Photography", [
  "Photos and videos are not allowed in the lab and in areas where customer projects are visible, unless the communications team has approved them."]),
]),
("company-history.md", "Company History", [
 ("Founding", [
  "Lumen Robotics was founded in Berlin in 2016 by Mara Okafor and Jonas Lindqvist, two researchers from a university robotics lab who wanted to make warehouse inspection safer."]),
 ("Growth", [
  "The first product, the R1 Scout, shipped in 2018. The R2 Hauler followed in 2021, the same year the Austin office opened. The company now employs about 420 people."]),
 ("Mission", [
  "Our mission is to take dull, dirty and dangerous work off people's hands with robots that are safe to work next to."]),
]),
("quarterly-planning.txt", "Quarterly Planning", [
 ("Timeline", [
  "Planning for the next quarter starts six weeks before it begins. Teams draft their objectives in week one, align dependencies in weeks two and three, and the leadership team approves the plan in week four."]),
 ("Objectives", [
  "Each team sets at most three objectives per quarter, each with two to four measurable key results. Key results are scored from 0 to 1 at the end of the quarter; 0.7 is considered a good result."]),
 ("Review", [
  "At the end of each quarter, teams present their results in a 15-minute review with the leadership team."]),
]),
("purchasing.html", "Purchasing Process", [
 ("When to use purchasing", [
  "Purchases over 1,000 euros, and all contracts with new suppliers, go through the purchasing process. Smaller purchases can be made with a company card or as expenses."]),
 ("Approvals", [
  "A purchase request is created in the procurement tool. Requests up to 10,000 euros need approval from the budget owner; larger requests also need approval from the finance director."]),
 ("Suppliers", [
  "New suppliers must pass a security and compliance check before the first order, which usually takes two weeks."]),
]),
("security-awareness.md", "Security Awareness", [
 ("Phishing", [
  "Report suspicious emails with the Report Phishing button in the mail client. The security team runs simulated phishing campaigns every quarter."]),
 ("Training", [
  "Security awareness training is mandatory for all employees when they join and then once a year. The course takes about 45 minutes."]),
 ("Clean desk", [
  "Lock your screen whenever you leave your desk, and do not leave confidential documents on desks or printers. Confidential paper is shredded in the locked bins near each printer."]),
]),
("data-retention.pdf", "Data Retention Policy", [
 ("Customer data", [
  "Robot telemetry from customer sites is kept for 13 months and then deleted. Customers can request earlier deletion through their account manager."]),
 ("Employee data", [
  "Personnel files are kept for ten years after an employee leaves, as required by tax law. Job applications from rejected candidates are deleted after six months."]),
 ("Logs", [
  "Application logs are kept for 90 days. Security audit logs are kept for two years."]),
]),
("sustainability.html", "Sustainability", [
 ("Energy", [
  "The Berlin office and the robotics lab run on certified renewable electricity. The company aims to be climate neutral in its own operations by 2028."]),
 ("Products", [
  "Robots are designed for repair: the motors, wheels, lidar and battery can be replaced with standard tools. Returned robots are refurbished and sold as certified used robots with a one-year warranty."]),
 ("Travel", [
  "Flights are offset through a certified climate programme, and trains are preferred for trips under four hours."]),
]),
]
